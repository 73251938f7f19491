import { MemoryCampaignStore } from './memory-campaign-store.ts';
import { campaignStoreSuite } from './campaign-store.suite.ts';

campaignStoreSuite('memory', async () => {
  const store = new MemoryCampaignStore();
  return { store, peer: async () => store, cleanup: () => store.close() };
});
