import type { SimSystem } from '../api/sim-context.ts';
import type { FaultSettings } from '../control/fault-injector.ts';
import type { SimHttpRoute } from '../http/sim-http.ts';
import { createProvisioningHandler, type ProvisioningStats } from '../provisioning/provisioning-handler.ts';
import { autoLoginApiRoute } from './auto-login-api.ts';
import { AutoLoginSigner } from './auto-login-token.ts';
import { createPortalHandler, type PortalStats } from './portal-handler.ts';
import { WebListener } from './web-listener.ts';

/** The browser and phone faces of one simulated system: its self-care portal and its CPE files. */
export interface SimWebFaces {
  portalUrl: string;
  provisioningUrl: string;
  portalStats: PortalStats;
  provisioningStats: ProvisioningStats;
  /** `Customer/get_auto_login_url` and `Account/get_auto_login_url`, for the admin and reseller listeners. */
  autoLoginRoute: SimHttpRoute;
  close(): Promise<void>;
}

/** Starts the portal and provisioning listeners of a simulated system (port 0 = ephemeral). */
export async function startSimWebFaces(o: { sys: SimSystem; host: string; faults: () => FaultSettings; portalPort: number; provisioningPort: number }): Promise<SimWebFaces> {
  const portalStats: PortalStats = { requests: 0, autoLogins: 0 };
  const provisioningStats: ProvisioningStats = { requests: 0, served: 0 };
  const signer = new AutoLoginSigner();
  let portalOrigin = '';
  const portal = new WebListener(createPortalHandler({ sys: o.sys, signer, origin: () => portalOrigin, host: o.host, stats: portalStats }), o);
  const provisioning = new WebListener(createProvisioningHandler({ sys: o.sys, stats: provisioningStats }), o);
  await portal.listen(o.portalPort);
  portalOrigin = portal.url;
  try {
    await provisioning.listen(o.provisioningPort);
  } catch (err) {
    await portal.close();
    throw err;
  }
  return {
    portalUrl: portal.url,
    provisioningUrl: provisioning.url,
    portalStats,
    provisioningStats,
    autoLoginRoute: autoLoginApiRoute({ sys: o.sys, signer, portalUrl: () => portalOrigin }),
    async close() {
      await Promise.all([portal.close(), provisioning.close()]);
    },
  };
}
