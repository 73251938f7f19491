/**
 * PortaBilling-style faults. Every refusal the product makes (dispatcher or simulator) is an
 * `ApiFault`: a stable `faultcode`, a human `faultstring` that names the value seen, and the HTTP
 * status it is sent with (PortaBilling sends every fault as HTTP 500; the dispatcher's operator
 * API and the portal may choose others).
 */
export class ApiFault extends Error {
  readonly faultcode: string;
  readonly httpStatus: number;
  /** Safe to retry the same call later (the client may resend it unchanged). */
  readonly retryable: boolean;

  constructor(faultcode: string, faultstring: string, options: { httpStatus?: number; retryable?: boolean; cause?: unknown } = {}) {
    super(faultstring, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiFault';
    this.faultcode = faultcode;
    this.httpStatus = options.httpStatus ?? 500;
    this.retryable = options.retryable ?? false;
  }

  get faultstring(): string {
    return this.message;
  }

  toJSON(): { faultcode: string; faultstring: string } {
    return { faultcode: this.faultcode, faultstring: this.message };
  }
}

/** PortaBilling's own fault codes, as real clients test for them. */
export const PortaFaultCode = {
  /** Login refused: some clients recognise a failed login only by exactly this code. */
  loginFailed: 'Server.Session.auth_failed',
  /** Session unknown or expired: clients re-login on it. */
  authFailed: 'Server.Session.check_auth.auth_failed',
  badAccessToken: 'Client.Session.check_auth.failed_to_process_access_token',
  envelopeMissed: 'Client.check_auth.envelope_missed',
  bruteForce: 'Server.Session.cannot_login_brute_force_activity',
  ipNotAllowed: 'Server.Session.ip_not_allowed',
  badRequest: 'Client.bad_request',
  unknownMethod: 'Client.unknown_method',
  validation: 'Client.validation_error',
  permissionDenied: 'Server.permission_denied',
} as const;

/** Faults made by the dispatcher itself: one catalogue, `Server.Dispatcher.*` codes. */
export const DispatcherFaultCode = {
  badRequest: 'Server.Dispatcher.bad_request',
  bodyTooLarge: 'Server.Dispatcher.body_too_large',
  unsupportedMediaType: 'Server.Dispatcher.unsupported_media_type',
  methodNotAllowed: 'Server.Dispatcher.method_not_allowed',
  websocketNotSupported: 'Server.Dispatcher.websocket_not_supported',
  backendUnavailable: 'Server.Dispatcher.backend_unavailable',
  backendTimeout: 'Server.Dispatcher.backend_timeout',
  ambiguousLocation: 'Server.Dispatcher.ambiguous_location',
  unroutableWrite: 'Server.Dispatcher.unroutable_write',
  customerMigrating: 'Server.Dispatcher.customer_migrating',
  directoryUnavailable: 'Server.Dispatcher.directory_unavailable',
  notFound: 'Server.Dispatcher.not_found',
  ipNotAllowed: 'Server.Dispatcher.ip_not_allowed',
  loginThrottled: 'Server.Dispatcher.login_throttled',
  forbidden: 'Server.Dispatcher.forbidden',
  conflict: 'Server.Dispatcher.conflict',
  /** A mirrored configuration write (routing.mirrorConfigWrites) the source took and the target refused. */
  mirrorIncomplete: 'Server.Dispatcher.mirror_incomplete',
  /** A session's context switch to a system whose i_env is not verified (a wrong or unchecked mapping). */
  envUnverified: 'Server.Dispatcher.env_unverified',
  /** HTTP 501: a request framing the dispatcher does not implement (a transfer coding other than chunked). */
  notImplemented: 'Server.Dispatcher.not_implemented',
  internal: 'Server.Dispatcher.internal_error',
} as const;

export function dispatcherFault(
  code: keyof typeof DispatcherFaultCode,
  faultstring: string,
  options: { httpStatus?: number; retryable?: boolean; cause?: unknown } = {},
): ApiFault {
  return new ApiFault(DispatcherFaultCode[code], faultstring, options);
}

export function isApiFault(err: unknown): err is ApiFault {
  return err instanceof ApiFault;
}
