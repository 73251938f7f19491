import type { CallCredentials, JsonObject } from '../../core/api-call.ts';
import type { SimListener } from '../contract.ts';
import type { SimCallContext, SimHandlerTable, SimSystem, SimUploadedFile } from './sim-context.ts';
import { registerCustomerService } from './customer-service.ts';
import { registerAccountService } from './account-service.ts';
import { registerCatalogService } from './catalog-service.ts';
import { registerPortaSipService } from './portasip-service.ts';
import { registerInvoiceService } from './invoice-service.ts';
import { registerSubscriptionService } from './subscription-service.ts';
import { registerDidService } from './did-service.ts';
import { registerAliasService } from './alias-service.ts';
import { registerUaService } from './ua-service.ts';
import { registerAccessControlService } from './access-control-service.ts';
import { registerDocumentService } from './document-service.ts';
import { registerVdCounterService } from './vd-counter-service.ts';
import { sessionCall } from './session-service.ts';
import { simFault } from './sim-faults.ts';
import { registerGenericServices } from './generic-service.ts';
import { loadSimDescription } from '../description/description.ts';
import type { SimDescription } from '../description/description.ts';

/** One decoded API request, whatever its wire format (REST now, SOAP later). */
export interface SimApiRequest {
  listener: SimListener;
  service: string;
  method: string;
  params: JsonObject;
  credentials: CallCredentials;
  clientIp: string;
  /** File parts of a multipart upload. */
  files?: readonly SimUploadedFile[];
}

/**
 * The wire-independent API of one simulated system. `call` authenticates and dispatches a decoded
 * request; `invoke` runs a service method for an already authenticated caller. Both throw ApiFault.
 */
export class SimApi {
  readonly sys: SimSystem;
  /** What this simulator answers: its methods, structs and WSDLs come from it. */
  readonly description: SimDescription;
  readonly #billing: SimHandlerTable = new Map();
  readonly #portasip: SimHandlerTable = new Map();

  constructor(sys: SimSystem, description: SimDescription = loadSimDescription()) {
    this.sys = sys;
    this.description = description;
    registerCustomerService(this.#billing, sys);
    registerAccountService(this.#billing, sys);
    registerCatalogService(this.#billing, sys);
    registerInvoiceService(this.#billing, sys);
    registerSubscriptionService(this.#billing, sys);
    registerDidService(this.#billing, sys);
    registerAliasService(this.#billing, sys);
    registerUaService(this.#billing, sys);
    registerAccessControlService(this.#billing, sys);
    registerDocumentService(this.#billing, sys);
    registerVdCounterService(this.#billing, sys);
    registerPortaSipService(this.#portasip, sys);
    // Every described method without a handler above answers generically (last, so handlers win).
    registerGenericServices(this.#billing, description);
  }

  /** Service methods of the billing API (realm listeners) or the PortaSIP listener. */
  methods(listener: SimListener): string[] {
    return [...(listener === 'portasip' ? this.#portasip : this.#billing).keys()];
  }

  call(req: SimApiRequest): JsonObject {
    if (req.service === 'Session') {
      const realm = req.listener === 'portasip' ? 'admin' : req.listener;
      return sessionCall(this.sys.sessions, this.sys.env, realm, req.method, req.params, req.credentials, req.clientIp);
    }
    const { principal, session } = this.sys.sessions.resolve(req.credentials, req.listener, req.clientIp);
    const ctx: SimCallContext = { realm: principal.realm, user: principal, clientIp: req.clientIp, ...(session ? { sessionId: session.id } : {}), ...(req.files && req.files.length > 0 ? { files: req.files } : {}) };
    return this.invoke(ctx, req.service, req.method, req.params, req.listener);
  }

  invoke(ctx: SimCallContext, service: string, method: string, params: JsonObject, listener: SimListener = ctx.realm): JsonObject {
    const table = listener === 'portasip' ? this.#portasip : this.#billing;
    const handler = table.get(`${service}/${method}`);
    if (!handler) throw simFault('unknownMethod', `Unknown method ${service}/${method}${listener === 'portasip' ? ' on the PortaSIP API' : ''}`);
    return handler(ctx, params);
  }
}
