/**
 * The action the audit-chain tests append: not one the system records
 * (AUDIT_ACTIONS), so entries made by a test are told apart at a glance.
 */
import type { AuditAction } from '../../src/audit/actions.js';

export const TEST_ACTION = 'test.append' as AuditAction;
