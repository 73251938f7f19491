import type { SystemName } from '../core/api-call.ts';
import type { CopySpec } from './campaign.ts';
import type { CopyStep } from './copy-step.ts';
import { SimCopyStep } from './sim-copy-step.ts';
import { CommandCopyStep } from './command-copy-step.ts';
import { HttpCopyStep } from './http-copy-step.ts';

/** The copy step a campaign's `copy` names; `sim` talks to the systems' admin URLs. */
export function copyStepFor(spec: CopySpec, adminUrls: Record<SystemName, string>): CopyStep {
  switch (spec.type) {
    case 'sim': return new SimCopyStep(adminUrls, spec.timeoutMs);
    case 'command': return new CommandCopyStep(spec.command, spec.args, spec.timeoutMs, spec.undoArgs);
    case 'http': return new HttpCopyStep(spec.url, spec.headers, spec.timeoutMs, spec.undoUrl);
  }
}
