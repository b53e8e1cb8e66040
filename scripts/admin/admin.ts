/**
 * The admin CLI: `npm run admin -- <command> [options]`. Each command checks
 * its arguments, does one thing through the same services the API uses (so
 * it is audited the same way), prints a short result and exits non-zero on
 * any error. Secrets are read from stdin, never from arguments.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { AppError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { actAsAdmin } from '../../src/auth/acting-admin.js';
import { ROLES, DESKS, type Desk, type Role } from '../../src/auth/types.js';
import { useLocalStack, type LocalStack } from '../stack/local-stack.js';

const USAGE = `usage: npm run admin -- <command> [options]
  user:create --username U --role ROLE [--role ROLE2] [--desk SO12|SO13] --as ADMIN --password-stdin
                                       (stdin: that admin's password, their code or an empty line, then the
                                        new user's password; every role waits for a second admin's approval;
                                        the password given opens no session: its holder chooses their own at
                                        first sign-in)
  user:create --username U --role ADMIN --password-stdin
                                       (bootstrap only, while fewer than two admins are enabled: the first
                                        admin is made at once, the second waits for the first's approval)
  user:first-password --username U --password-stdin
                                       (the holder's first sign-in on the host: stdin holds the password
                                        they were given, a newline, then their own)
  user:disable --username U
  user:revoke-sessions --username U
  user:enable --username U --reason "WHY" --as ADMIN --password-stdin
  user:move-desk --username U --desk SO12|SO13 --reason "WHY" --as ADMIN --password-stdin
                                       (then the reports they hold go back to their desk's queue)
  user:mfa-reset --username U --reason "WHY" --as ADMIN --password-stdin
                                       (then they set a new second factor up at their next sign-in)
                                       (these three are requests made as that admin, who signs in with the
                                        password and code on stdin; a different admin approves them)
  grants:list                          (requests waiting for a second admin)
  grants:approve ID --as ADMIN --password-stdin
  grants:reject ID --as ADMIN --password-stdin
                                       (acts as that admin: signs in with their password from stdin;
                                        the admin who requested a grant cannot decide it)
  partner:create --name "NAME"        (prints the API key once, alone on the last line)
  partner:revoke --name "NAME"
  partner:rotate-key --name "NAME"    (prints the new key once; the old one works for PARTNER_KEY_OVERLAP_HOURS)
  keys:generate                        (prints a fresh base64 32-byte key)
  keys:rotate [--batch N]              (re-wraps data keys; re-seals and re-indexes under the current audit and index keys; resumable)
  audit:verify                         (exits 1 when the audit chain is broken or contradicts a signed checkpoint)
  audit:checkpoint                     (verifies the chain, then appends a signed checkpoint to HOTLINE_AUDIT_ANCHOR_DIR)
  backup --out DIR [--ferretdb-dir D]  (online backup of the local store and the audit anchors, encrypted under
                                        HOTLINE_BACKUP_KEY; on MongoDB it names the mongodump procedure instead)
  restore --from DIR [--ferretdb-dir D] (into the empty state directory of a STOPPED FerretDB; refuses a non-empty one)
  backup:verify DIR                    (restores into a scratch store: checksums, audit chain and its tip, every
                                        report opened with the configured keys; exits 1 on any failure)
  bundle:verify FILE                   (checks an exported report bundle's signature; exits 1 when it does not verify)
  rules:check FILE                     (validates a routing-rules file; changes nothing)
  rules:reload                         (re-reads ROUTING_RULES_FILE, audited; every worker follows; an invalid file is refused)
  webhooks:add --url URL --events p1_intake,sla_escalation
                                       (prints the signing secret once, alone on the last line)
  webhooks:list
  webhooks:remove --id ID
  webhooks:dead-letters                (deliveries that failed every attempt)
  webhooks:replay --id ID              (sends a dead letter again: same delivery id, fresh signature)
  migrate                              (runs the pending store migrations, behind the migration lock; resumable)
  migrate --status                     (lists the store's migrations: applied, pending, an unfinished run's progress)
roles: ${ROLES.join(', ')}`;

class UsageError extends Error {}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('--password-stdin reads the password from standard input (pipe it in)');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

type Handler = (deps: Deps, values: Record<string, unknown>) => Promise<number>;

const need = (v: unknown, name: string): string => {
  if (typeof v !== 'string' || !v.trim()) throw new UsageError(`--${name} is required`);
  return v;
};

const commands: Record<string, { options: NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>; needsDeps: boolean; positionals?: number; startup?: 'none'; run: Handler }> = {
  'user:create': {
    needsDeps: true,
    options: { username: { type: 'string' }, role: { type: 'string', multiple: true }, desk: { type: 'string' }, as: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    async run(deps, v) {
      const roles = (v.role as string[] | undefined) ?? [];
      if (!roles.length) throw new UsageError('at least one --role is required');
      const bad = roles.filter((r) => !ROLES.includes(r as Role));
      if (bad.length) throw new UsageError(`unknown role ${bad.join(', ')} (roles: ${ROLES.join(', ')})`);
      if (v.desk !== undefined && !DESKS.includes(v.desk as Desk)) throw new UsageError('--desk must be SO12 or SO13');
      if (!v['password-stdin']) throw new UsageError('--password-stdin is required (passwords are never taken as arguments)');
      const input = { username: need(v.username, 'username'), roles: roles as Role[], desk: (v.desk as Desk) ?? null };
      const as = typeof v.as === 'string' ? v.as.trim() : '';
      // Named: stdin is the requesting admin's password, their code (an empty line if none), then the new user's password.
      // Unnamed (bootstrap only: the first two admins): stdin is the new user's password.
      const user = as
        ? await (async () => {
            const [adminPassword = '', code = '', password = ''] = (await readStdin()).split(/\r?\n/);
            return actAsAdmin(deps.services.auth, as, adminPassword, code.trim() || null, (admin) => deps.services.auth.createUser({ ...input, password }, admin));
          })()
        : await deps.services.auth.createUser({ ...input, password: await readStdin() }, 'cli');
      console.log(`created user ${user.username} (${user.roles.join(', ') || 'no roles yet'}${user.desk ? `, desk ${user.desk}` : ''}) id ${user.id}`);
      if (user.mustChangePassword) console.log(`${user.username} chooses their own password at their first sign-in (console, or npm run admin -- user:first-password); the one given opens no session`);
      if (user.pendingGrantId) console.log(`roles ${user.pendingRoles.join(', ')} wait for a second admin: grant ${user.pendingGrantId} (npm run admin -- grants:approve ${user.pendingGrantId} --as <${as ? 'another ' : ''}admin> --password-stdin)`);
      return 0;
    },
  },
  'user:first-password': {
    needsDeps: true,
    options: { username: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    /** The first sign-in of an account an admin created, for a holder who works on the host (an admin): as the console's "choose your password" step. */
    async run(deps, v) {
      if (!v['password-stdin']) throw new UsageError('--password-stdin is required (passwords are never taken as arguments)');
      const [given, own, ...rest] = (await readStdin()).split(/\r?\n/);
      if (given === undefined || own === undefined || rest.length) throw new UsageError('standard input: the password you were given, a newline, then your own password');
      const username = need(v.username, 'username');
      try {
        await deps.services.auth.login(username, given, 'admin-cli');
      } catch (err) {
        const ticket = err instanceof AppError ? err.extensions.passwordTicket : undefined;
        if (typeof ticket !== 'string') throw err;
        await deps.services.auth.setInitialPassword(ticket, own);
        console.log(`${username} now signs in with their own password`);
        return 0;
      }
      console.error(`${username} has already chosen their own password (use the console's Account page to change it)`);
      return 1;
    },
  },
  'user:disable': {
    needsDeps: true,
    options: { username: { type: 'string' } },
    async run(deps, v) {
      const user = await deps.services.auth.disableUser(need(v.username, 'username'), 'cli');
      console.log(`disabled user ${user.username}; their sessions are ended`);
      return 0;
    },
  },
  'user:revoke-sessions': {
    needsDeps: true,
    options: { username: { type: 'string' } },
    async run(deps, v) {
      const n = await deps.services.auth.revokeSessions(need(v.username, 'username'), 'cli');
      console.log(`revoked ${n} session(s)`);
      return 0;
    },
  },
  'partner:create': {
    needsDeps: true,
    options: { name: { type: 'string' } },
    async run(deps, v) {
      const { partner, apiKey } = await deps.services.auth.createPartner(need(v.name, 'name'), 'cli');
      console.log(`created partner ${partner.name} (id ${partner.id}). Its API key, shown only this once:`);
      console.log(apiKey);
      return 0;
    },
  },
  'partner:revoke': {
    needsDeps: true,
    options: { name: { type: 'string' } },
    async run(deps, v) {
      const partner = await deps.services.auth.revokePartner(need(v.name, 'name'), 'cli');
      console.log(`revoked the API key of partner ${partner.name}`);
      return 0;
    },
  },
  'keys:generate': {
    needsDeps: false,
    options: {},
    async run() {
      console.log(randomBytes(32).toString('base64'));
      return 0;
    },
  },
  ...(await import('./admin-commands.js')).extraCommands,
  ...(await import('./admin-lifecycle.js')).lifecycleCommands,
  ...(await import('./admin-grants.js')).grantCommands,
  ...(await import('./admin-bundle.js')).bundleCommands,
  ...(await import('./admin-webhooks.js')).webhookCommands,
  ...(await import('./admin-rules.js')).rulesCommands,
  ...(await import('./admin-migrate.js')).migrateCommands,
  ...(await import('./admin-backup.js')).backupCommands,
};

export type AdminCommand = (typeof commands)[string];

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    console.error(name ? `unknown command: ${name}\n${USAGE}` : USAGE);
    return 64;
  }
  let values;
  try {
    const parsed = parseArgs({ args: rest, options: command.options, strict: true, allowPositionals: Boolean(command.positionals) });
    if (parsed.positionals.length > (command.positionals ?? 0)) throw new Error(`unexpected argument ${parsed.positionals.at(-1)}`);
    values = { ...parsed.values, _: parsed.positionals };
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 64;
  }
  let stack: LocalStack | null = null;
  let deps: Deps | null = null;
  try {
    if (command.needsDeps) {
      stack = await useLocalStack();
      const config = loadConfig({ ...process.env, ...stack.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
      deps = await createDeps(config, createLogger(config.logLevel, pino.destination(2)), { migrations: command.startup ?? 'start' });
    }
    return await command.run(deps as Deps, values);
  } catch (err) {
    if (err instanceof UsageError) console.error(`${err.message}\n${USAGE}`);
    else if (err instanceof AppError || err instanceof ConfigError) console.error(`error: ${err.message}`);
    else console.error(`error: ${(err as Error).message}`);
    return err instanceof UsageError ? 64 : 1;
  } finally {
    await deps?.close().catch(() => {});
    await stack?.services?.stop();
  }
}

process.exitCode = await main(process.argv.slice(2));
