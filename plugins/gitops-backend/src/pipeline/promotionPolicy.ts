import type { PromotionPolicy } from '@gitops2/plugin-gitops-common';
import { z } from 'zod';

const DURATION = /^([0-9]{1,6})(s|m|h|d)$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `90s`, `10m`, `2h`, `1d` → seconds. */
export function parseDurationSeconds(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * UNIT_SECONDS[m[2]] : undefined;
}

const duration = z
  .string()
  .refine(
    v => parseDurationSeconds(v) !== undefined,
    'must be a duration like 90s, 10m, 2h or 1d',
  );

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const policySchema = z
  .object({
    mode: z.enum(['pull-request', 'direct']).default('pull-request'),
    approvals: z.number().int().min(0).max(10).default(0),
    approverGroup: z
      .string()
      .regex(
        /^group:[a-z0-9._-]+\/[a-z0-9._-]+$/i,
        'must be a group entity ref like group:default/release-managers',
      )
      .optional(),
    soakTime: duration.optional(),
    autoPromoteAfter: duration.optional(),
    freezeWindows: z
      .array(
        z
          .object({
            days: z.array(z.enum(DAYS)).min(1).optional(),
            from: z.iso.datetime({ offset: true }).optional(),
            to: z.iso.datetime({ offset: true }).optional(),
            reason: z.string().max(200).optional(),
            allowRollback: z.boolean().optional(),
            allowEmergency: z.boolean().optional(),
          })
          .strict()
          .refine(w => w.days || (w.from && w.to), 'give days, or from and to')
          .refine(
            w => !(w.from && w.to) || Date.parse(w.from) < Date.parse(w.to),
            'from must be before to',
          ),
      )
      .max(50)
      .optional(),
    onFailedVerification: z.enum(['rollback', 'hold', 'none']).optional(),
    verificationWindow: duration.optional(),
  })
  .strict();

/**
 * Validates `spec.environments.<env>.promotion` of the pipeline file; returns
 * the policy or a message naming the bad key.
 */
export function parsePromotionPolicy(raw: unknown): PromotionPolicy | string {
  const r = policySchema.safeParse(raw ?? {});
  if (!r.success) {
    return r.error.issues
      .map(i => `${i.path.length ? `${i.path.join('.')} ` : ''}${i.message}`)
      .join('; ');
  }
  const p = r.data;
  return {
    mode: p.mode,
    approvals: p.approvals,
    approverGroup: p.approverGroup,
    soakTimeSeconds: p.soakTime ? parseDurationSeconds(p.soakTime) : undefined,
    autoPromoteAfterSeconds: p.autoPromoteAfter
      ? parseDurationSeconds(p.autoPromoteAfter)
      : undefined,
    freezeWindows: p.freezeWindows,
    ...(p.onFailedVerification
      ? { onFailedVerification: p.onFailedVerification }
      : {}),
    ...(p.verificationWindow
      ? {
          verificationWindowSeconds: parseDurationSeconds(p.verificationWindow),
        }
      : {}),
  };
}
