/**
 * A request the edge forwards in the client's own wire format (issue 16: SOAP goes to the
 * backend's SOAP endpoint). The edge's codec makes it; the pipeline only asks it to put the
 * backend session in, to read a reply's fault or result for the stages around the send, and to
 * cut and join list replies for a merge, so that rows reach the client as their system wrote them.
 */
export interface ForwardedEnvelope {
  /** The backend path (the one the client posted to). */
  readonly path: string;
  readonly contentType: string;
  /** Request headers the format needs (SOAPAction), as the client sent them. */
  readonly headers: Readonly<Record<string, string>>;
  /** The request bytes with the backend session in place of the client's credentials. */
  withSession(backendSessionId: string): Buffer;
  /**
   * The same request with integer params set (a merge's `skip_exported`, exact paging's window),
   * every other byte as the client sent it; undefined when the format cannot carry the change
   * in place (the caller then sends the call as JSON).
   */
  withParams(edits: Readonly<Record<string, number>>): ForwardedEnvelope | undefined;
  /** A reply's fault, when it is one. */
  faultOf(body: string): { faultcode: string; faultstring: string } | undefined;
  /** A successful reply's result as JSON values (for learning); undefined when unreadable. */
  resultOf(body: string): unknown;
  /** A successful list reply cut into its rows; undefined when it is no list of this format. */
  readList(body: Buffer, idField: string): EnvelopeList | undefined;
  /** `frame` (a list this envelope read) with its rows and total replaced, as pieces to send in order. */
  writeList(frame: EnvelopeList, rows: readonly EnvelopeRow[], total: number | undefined): Buffer[];
}

/** A row of a list reply: its id, whether it is a moved-away copy, and its bytes as the system wrote them. */
export interface EnvelopeRow {
  readonly id: number | undefined;
  readonly moved: boolean;
  readonly bytes: Buffer;
}

export interface EnvelopeList {
  readonly rows: readonly EnvelopeRow[];
  readonly total: number | undefined;
}
