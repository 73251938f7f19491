import type { Plan } from './plan.ts';
import type { RouteInput } from './route-input.ts';
import { sessionRule } from './rules/session-rule.ts';
import { retailRule } from './rules/retail-rule.ts';
import { broadcastRule } from './rules/broadcast-rule.ts';
import { mergeRule } from './rules/merge-rule.ts';
import { locatorRule } from './rules/locator-rule.ts';
import { envRule } from './rules/env-rule.ts';
import { strictWriteRule } from './rules/strict-write-rule.ts';
import { contextRule } from './rules/context-rule.ts';

/** SPEC §4.2, in order: the first rule that returns a plan wins (strict writes refused before rule 7). */
const RULES = [sessionRule, retailRule, broadcastRule, mergeRule, locatorRule, envRule, strictWriteRule] as const;

/** Decides what to do with a call. Pure: no I/O, same input → same plan. */
export function route(input: RouteInput): Plan {
  for (const rule of RULES) {
    const plan = rule(input);
    if (plan !== undefined) return plan;
  }
  return contextRule(input);
}
