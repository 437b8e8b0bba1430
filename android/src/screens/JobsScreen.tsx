import { useCallback, useEffect, useRef, useState } from 'react';
import { FlatList, Pressable, ScrollView, Text, View } from 'react-native';
import { describeFiles, formatBytes, formatDuration, formatSpeed, jobAction, statusLabel, type Download } from '@d011dl/contract';
import { errorMessage, listDownloads } from '../api/client';
import { RUNNING } from '../jobs/describe';
import { kindLabel } from '../library/words';
import { useSession } from '../session';
import { Body, ErrorText, Screen, useTheme } from '../ui/theme';

export const JOBS_POLL_MS = 2000;

export type JobsFilter = 'all' | 'running' | 'paused' | 'failed' | 'done';
const FILTERS: { key: JobsFilter; label: string }[] = [
  { key: 'all', label: 'All' },
  { key: 'running', label: 'Running' },
  { key: 'paused', label: 'Paused' },
  { key: 'failed', label: 'Failed' },
  { key: 'done', label: 'Done' },
];

/** The portal's filters (web/src/routers/jobs.ts): a canceled job is paused, since Resume picks it up. */
export function inFilter(job: Pick<Download, 'status'>, f: JobsFilter): boolean {
  if (f === 'running') return RUNNING.has(job.status);
  if (f === 'paused') return job.status === 'canceled';
  if (f === 'failed') return job.status === 'failed';
  if (f === 'done') return job.status === 'succeeded';
  return true;
}

/**
 * The user's downloads, refreshed every 2 s while `active` (the route passes its focus: a screen
 * under another one in the stack stops polling).
 */
export function JobsScreen({ active = true, onOpen }: { active?: boolean; onOpen: (id: string) => void }) {
  const { client } = useSession();
  const t = useTheme();
  const [jobs, setJobs] = useState<Download[] | null>(null);
  const [holds, setHolds] = useState<Record<string, string>>({});
  const asked = useRef(new Set<string>());
  const [filter, setFilter] = useState<JobsFilter>('all');
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (!active) return;
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    (async () => {
      try {
        const list = await listDownloads(client);
        if (!alive) return;
        setJobs(list);
        setError('');
      } catch (e) {
        if (alive) setError(errorMessage(e));
      }
      if (alive) timer = setTimeout(() => setTick((n) => n + 1), JOBS_POLL_MS);
    })();
    return () => {
      alive = false;
      if (timer) clearTimeout(timer);
    };
  }, [client, active, tick]);

  // What each job holds, from its file list: asked once per job (a job's files do not change), and
  // only for the rows the list renders, not for every job the user ever started.
  const describe = useCallback(
    (id: string) => {
      if (asked.current.has(id)) return;
      asked.current.add(id);
      client.downloadFiles(id).then(
        (r) => setHolds((h) => ({ ...h, [id]: describeFiles(r.files.map((f) => f.path)) })),
        () => asked.current.delete(id), // asked again when the row renders next
      );
    },
    [client],
  );

  const act = useCallback(
    async (id: string, api: 'cancel' | 'retry') => {
      try {
        if (api === 'cancel') await client.cancelDownload(id);
        else await client.retryDownload(id);
        setTick((n) => n + 1);
      } catch (e) {
        setError(errorMessage(e));
      }
    },
    [client],
  );

  const shown = (jobs ?? []).filter((j) => inFilter(j, filter));
  return (
    <Screen>
      <ScrollView horizontal style={{ flexGrow: 0, flexShrink: 0, marginBottom: 8 }}>
        {FILTERS.map((f) => (
          <Pressable
            key={f.key}
            accessibilityRole="button"
            accessibilityState={{ selected: f.key === filter }}
            aria-selected={f.key === filter}
            onPress={() => setFilter(f.key)}
            style={{ minHeight: 48, justifyContent: 'center', paddingHorizontal: 16, marginRight: 6, borderRadius: 24, borderWidth: 1, borderColor: f.key === filter ? t.primary : t.border }}
          >
            <Text style={{ color: f.key === filter ? t.primary : t.text }}>
              {f.label} ({(jobs ?? []).filter((j) => inFilter(j, f.key)).length})
            </Text>
          </Pressable>
        ))}
      </ScrollView>
      <ErrorText>{error}</ErrorText>
      <FlatList
        data={shown}
        keyExtractor={(j) => j.id}
        ListEmptyComponent={jobs ? <Body muted>{jobs.length ? 'No downloads in this list.' : 'No downloads yet.'}</Body> : <Body muted>Loading…</Body>}
        renderItem={({ item }) => <JobRow job={item} holds={holds[item.id]} onDescribe={describe} onOpen={onOpen} onAct={act} />}
      />
    </Screen>
  );
}

function JobRow({ job, holds, onDescribe, onOpen, onAct }: {
  job: Download;
  holds?: string;
  onDescribe: (id: string) => void;
  onOpen: (id: string) => void;
  onAct: (id: string, api: 'cancel' | 'retry') => void;
}) {
  const t = useTheme();
  useEffect(() => onDescribe(job.id), [job.id, onDescribe]);
  const color = job.status === 'succeeded' ? t.ok : job.status === 'failed' ? t.danger : job.status === 'canceled' ? t.warn : t.primary;
  const running = RUNNING.has(job.status);
  const action = jobAction(job.status);
  const status = statusLabel(job.status);
  const name = `${job.author}/${job.repo} @ ${job.revision}`;
  const kind = kindLabel(job); // "Copy to fast", "Import"…; none for a download
  return (
    <View testID={`job-${job.id}`} style={{ borderBottomWidth: 1, borderBottomColor: t.border, paddingVertical: 8 }}>
      <Pressable accessibilityRole="link" accessibilityLabel={`${kind ? `${kind}: ` : ''}${name}, ${status}`} onPress={() => onOpen(job.id)} style={{ minHeight: 48 }}>
        {kind ? <Text style={{ color: t.primary, fontWeight: '600' }}>{kind}</Text> : null}
        <Text style={{ color: t.text, fontWeight: '600' }} numberOfLines={1}>{name}</Text>
        <Text style={{ color: t.muted }} numberOfLines={1}>{holds ?? `${job.files_total} ${job.files_total === 1 ? 'file' : 'files'}`}</Text>
        <Text style={{ color }}>
          {status} · {job.progress_pct.toFixed(1)}% · {formatBytes(job.bytes_done)} / {formatBytes(job.bytes_total)}
          {running ? ` · ${formatSpeed(job.speed_bps || null)} · ETA ${formatDuration(job.eta_s)}` : ''}
        </Text>
        {job.error && !running ? <Text style={{ color: t.danger }} numberOfLines={2}>{job.error}</Text> : null}
        <View style={{ height: 4, backgroundColor: t.card, borderRadius: 2, marginTop: 4 }}>
          <View style={{ height: 4, width: `${Math.min(100, job.progress_pct)}%`, backgroundColor: color, borderRadius: 2 }} />
        </View>
      </Pressable>
      {action ? (
        <Pressable
          accessibilityRole="button"
          accessibilityLabel={`${action.label} ${name}`}
          onPress={() => onAct(job.id, action.api)}
          style={{ minHeight: 48, minWidth: 96, alignSelf: 'flex-end', justifyContent: 'center', alignItems: 'center', borderRadius: 8, borderWidth: 1, borderColor: action.action === 'pause' ? t.warn : t.primary, marginTop: 4 }}
        >
          <Text style={{ color: action.action === 'pause' ? t.warn : t.primary, fontWeight: '600' }}>{action.label}</Text>
        </Pressable>
      ) : null}
    </View>
  );
}
