/**
 * The routing rules in force, and their reload without a restart.
 *
 * Each process that routes or shows the rules holds them in a RulesHolder
 * (built in src/deps.ts, passed in: no global). A reload is an admin action
 * (GraphQL `reloadRoutingRules`, CLI `rules:reload`): it reads the configured
 * file, validates it, audits, announces the new version id over Redis, and
 * swaps its own holder. Every other process (workers, other API instances)
 * hears the announcement, reads the same file itself and swaps only when it
 * validates and its version id (version + content hash) is the one announced;
 * otherwise it logs why and keeps the rules it has. The announced id is also
 * kept under a Redis key, read again whenever the subscription (re)connects,
 * so a process that was cut off from Redis during a reload catches up.
 *
 * Editing the file does nothing by itself until a reload (or a restart):
 * every change to routing goes through an audited action. An invalid file is
 * refused, audited as a failure, and the previous rules stay in force.
 */
import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit/types.js';
import { actorOf, type Principal } from '../auth/types.js';
import type { RedisServer } from '../config.js';
import { unavailable } from '../errors.js';
import type { Logger } from '../logger.js';
import { createRedisErrorLog } from '../queue/redis-errors.js';
import { redisConnection } from '../queue/redis.js';
import { loadRuleSet, RulesInvalidError, type RuleSet } from './rules.js';

export interface RulesHolder {
  /** The rules in force now: read once per routing decision. */
  current(): RuleSet;
  loadedAt(): Date;
  swap(next: RuleSet): void;
}

/** A holder for this process's rule set. */
export function createRulesHolder(initial: RuleSet): RulesHolder {
  let rules = initial;
  let at = new Date();
  return {
    current: () => rules,
    loadedAt: () => at,
    swap(next) {
      rules = next;
      at = new Date();
    },
  };
}

/** At most this many problems go into the failure's audit entry (the error returned to the admin has them all). */
const AUDITED_PROBLEMS = 20;

export type RulesService = ReturnType<typeof createRulesService>;

/** Reload and check of the routing rules; `start()` subscribes to other processes' reloads. */
export function createRulesService(deps: {
  holder: RulesHolder;
  file: string;
  audit: AuditLog;
  /** Publishes and reads the announced version (the app's command client). */
  redis: Redis;
  /** Where the subscriber connects (the same Redis as `redis`). */
  redisServer: RedisServer;
  prefix: string;
  log: Logger;
}) {
  const { holder, file, audit, redis, log } = deps;
  const channel = `${deps.prefix}:routing-rules`;
  const announcedKey = `${deps.prefix}:routing-rules:current`;
  const target = { type: 'system' as const, id: 'routingRules' };
  let subscriber: Redis | null = null;

  /** Loads our file when another process announced `versionId`; keeps the rules in force unless it is exactly that version. */
  function follow(versionId: string) {
    if (holder.current().versionId === versionId) return;
    try {
      const next = loadRuleSet(file);
      if (next.versionId !== versionId) {
        log.error({ announced: versionId, file: next.versionId, inForce: holder.current().versionId }, 'routing rules reloaded elsewhere differ from this host\'s file; keeping the rules in force');
        return;
      }
      holder.swap(next);
      log.info({ versionId }, 'routing rules reloaded');
    } catch (err) {
      const problems = err instanceof RulesInvalidError ? err.problems : [(err as Error).name];
      log.error({ announced: versionId, problems, inForce: holder.current().versionId }, 'routing rules announced but invalid here; keeping the rules in force');
    }
  }

  return {
    /** The rules in force in this process and when they were loaded (the GraphQL view). */
    inForce: () => ({ rules: holder.current(), loadedAt: holder.loadedAt() }),

    /** Validates a rules file without loading it (CLI `rules:check`); throws RulesInvalidError. */
    check: (path: string = file) => loadRuleSet(path),

    /** Re-reads the configured file; refuses an invalid one (audited, previous rules kept), else audits, announces and swaps. */
    async reload(actor: Principal | 'cli'): Promise<{ rules: RuleSet; loadedAt: Date; previous: string; changed: boolean }> {
      const who = actor === 'cli' ? { type: 'system' as const, id: 'admin-cli' } : actorOf(actor);
      // The last reload announced to every process; this process's own rules if none (a CLI process loaded the new file at start).
      const previous = (await redis.get(announcedKey).catch(() => null)) ?? holder.current().versionId;
      let next: RuleSet;
      try {
        next = loadRuleSet(file);
      } catch (err) {
        if (!(err instanceof RulesInvalidError)) throw err;
        await audit.record({ action: 'triage.rules_reload', actor: who, target, outcome: 'failure', details: { inForce: previous, problems: err.problems.slice(0, AUDITED_PROBLEMS) } });
        throw err;
      }
      const changed = next.versionId !== previous;
      // Audited before it takes effect: no change to routing without its entry.
      await audit.record({ action: 'triage.rules_reload', actor: who, target, outcome: 'success', details: { from: previous, to: next.versionId, rules: next.rules.length, changed } });
      try {
        await redis.set(announcedKey, next.versionId);
        await redis.publish(channel, next.versionId);
      } catch (err) {
        await audit.record({ action: 'triage.rules_reload', actor: who, target, outcome: 'failure', details: { inForce: previous, problems: [`not announced to the workers (${(err as Error).name})`] } }).catch(() => {});
        throw unavailable('routing rules not reloaded: the other processes could not be told (Redis); try again');
      }
      holder.swap(next);
      return { rules: next, loadedAt: holder.loadedAt(), previous, changed };
    },

    /**
     * Follows reloads made by any process; once subscribed and on every
     * reconnection, catches up with the last one announced (set before it is
     * published, so a reload is either heard or found). Returns at once: a
     * Redis outage at start-up delays following, never the start.
     * Not a queue/channel.ts channel: the catch-up must follow the confirmed
     * subscription (the channel subscribes lazily, unconfirmed), the message is a
     * bare version id, and the announcement goes on the app's fail-fast client
     * so that a reload knows at once when it was not sent.
     */
    start() {
      const catchUp = () => void redis.get(announcedKey).then((v) => v && follow(v), () => {});
      subscriber = redisConnection(deps.redisServer, 'pubsub', createRedisErrorLog(log)('routing-rules:subscribe'));
      subscriber.on('message', (_ch: string, versionId: string) => follow(versionId));
      subscriber.on('ready', catchUp);
      subscriber.subscribe(channel).then(catchUp, () => {});
    },

    async close() {
      subscriber?.disconnect();
      subscriber = null;
    },
  };
}
