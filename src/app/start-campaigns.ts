import type { DispatcherConfig } from '../config/config.ts';
import type { LocationDirectory } from '../directory/location-directory.ts';
import type { LocationResolver } from '../core/location.ts';
import type { ServiceClient } from '../backends/service-client.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import type { Cutover } from '../migration/cutover.ts';
import type { CampaignStore } from '../migration/campaign-store.ts';
import { CampaignController } from '../migration/campaign-controller.ts';
import { copyStepFor } from '../migration/copy-steps.ts';
import { openWithRetries } from './open-with-retries.ts';
import { newNodeId } from './build-info.ts';
import { openCampaignStore } from './open-stores.ts';

export interface CampaignParts {
  cutover: Cutover;
  service: ServiceClient | undefined;
  directory: LocationDirectory;
  resolver: LocationResolver;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Opens the campaign store beside the directory and starts the controller, which resumes the
 * campaigns that were running. Undefined without `ops.serviceLogin` (prechecks and verifies read
 * both systems with it); the campaigns API then says so.
 */
export async function startCampaigns(
  config: DispatcherConfig, deps: { campaigns?: CampaignStore; directory?: LocationDirectory; nodeId?: string }, parts: CampaignParts,
): Promise<{ controller: CampaignController; store: CampaignStore; close(): Promise<void> } | undefined> {
  const service = parts.service;
  if (service === undefined) return undefined;
  const store = deps.campaigns ?? (await openWithRetries('the campaign store', () => openCampaignStore(config, deps.directory !== undefined), { logger: parts.logger }));
  const adminUrls = { source: config.systems.source.urls.admin, target: config.systems.target.urls.admin };
  const controller = new CampaignController({
    ...parts, service, store,
    copyStep: (spec) => copyStepFor(spec, adminUrls),
    rules: { commands: config.campaigns.commands, ...(config.campaigns.defaultCopy ? { defaultCopy: config.campaigns.defaultCopy } : {}) },
    nodeId: deps.nodeId ?? newNodeId(),
    leaseMs: config.campaigns.leaseMs,
  });
  parts.metrics.gauge('webdispatcher_campaign_customers', 'Customers of each campaign per step (pending … committed, failed, rolled-back)', () => controller.customerGauge());
  parts.metrics.gauge('webdispatcher_campaign_state', 'Each campaign\'s state (1 on its current state)', () => controller.stateGauge());
  controller.run();
  return {
    controller, store,
    async close() {
      await controller.close();
      await store.close();
    },
  };
}
