// @ts-check
/**
 * Activity lines ("closed by Anna") carry structured attributes from the server
 * (content_attributes.activity); show them in the viewer's language, and fall
 * back to the server's English text for kinds this page does not know.
 */

const KINDS = new Set([
  'resolved', 'reopened', 'pending', 'snoozed', 'resolved_by_visitor', 'reopened_by_visitor',
  'self_assigned', 'assigned', 'unassigned',
]);

/**
 * @param {{content?: string|null, content_attributes?: Record<string, unknown>}} m
 * @param {(key: any, vars?: Record<string, string>) => string} t
 * @returns {string}
 */
export function activityText(m, t) {
  const a = m.content_attributes || {};
  const kind = a.activity;
  if (typeof kind !== 'string' || !KINDS.has(kind)) return m.content ?? '';
  return t(`act_${kind}`, { actor: String(a.actor_name ?? ''), assignee: String(a.assignee_name ?? '') });
}
