/**
 * What every task of the registry is built on: the app's wiring, the triage
 * work built once on it, and the worker's log.
 */
import type { Deps } from '../deps.js';
import type { Logger } from '../logger.js';
import { createLinker } from '../triage/linking.js';
import { createTriageProcessor, type TriageProcessor } from '../triage/processor.js';

export interface TaskContext {
  deps: Deps;
  /** The triage work (route, escalate, markFailed, the sweeps...): built once, shared by the tasks that run it. */
  triage: TriageProcessor;
  log: Logger;
}

/** The triage processor on the app's services: what the tasks run (tests drive the same one by hand). */
export function triageProcessorOf(deps: Deps): TriageProcessor {
  return createTriageProcessor({
    reports: deps.reports,
    linker: createLinker({ reports: deps.reports, crypto: deps.crypto, audit: deps.services.audit, limits: deps.config.triage.linking, log: deps.log.child({ component: 'triage' }) }),
    rules: deps.rules,
    threatLevel: deps.threatLevel,
    writer: deps.writer,
    events: deps.events,
    queues: deps.triageQueues,
    slaSeconds: deps.config.triage.slaSeconds,
    log: deps.log.child({ component: 'triage' }),
    webhooks: deps.services.webhooks,
    notifications: deps.services.notifications,
  });
}

export function createTaskContext(deps: Deps): TaskContext {
  return { deps, triage: triageProcessorOf(deps), log: deps.log };
}
