/** The update fields of a catalog row (GET /db/models), from the columns of db/migrations/0008_updates.sql. */
export function updateFields(m: { commit_sha: string | null; pinned?: boolean; hub_commit_sha?: string | null; update_checked_at?: Date | null }) {
  const pinned = m.pinned ?? false;
  const hub = m.hub_commit_sha ?? null;
  return {
    update_available: !pinned && !!m.commit_sha && !!hub && hub !== m.commit_sha,
    hub_commit_sha: hub,
    checked_at: m.update_checked_at?.toISOString() ?? null,
    pinned,
  };
}
