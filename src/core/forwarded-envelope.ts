/**
 * A request the edge forwards in the client's own wire format (issue 16: SOAP goes to the
 * backend's SOAP endpoint). The edge's codec makes it; the pipeline only asks it to put the
 * backend session in and to read a reply's fault code or result for the stages around the send.
 */
export interface ForwardedEnvelope {
  /** The backend path (the one the client posted to). */
  readonly path: string;
  readonly contentType: string;
  /** Request headers the format needs (SOAPAction), as the client sent them. */
  readonly headers: Readonly<Record<string, string>>;
  /** The request bytes with the backend session in place of the client's credentials. */
  withSession(backendSessionId: string): Buffer;
  /** The fault code of a reply that is a fault, else undefined. */
  faultcodeOf(body: string): string | undefined;
  /** A successful reply's result as JSON values (for learning); undefined when unreadable. */
  resultOf(body: string): unknown;
}
