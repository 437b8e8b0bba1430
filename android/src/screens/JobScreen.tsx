import { useEffect, useRef, useState } from 'react';
import { FlatList, ScrollView, Text, View } from 'react-native';
import { describeBandwidth, elapsedSeconds, fileState, formatBytes, formatDuration, formatRetryIn, formatSpeed, formatWhen, jobAction, logTail, statusLabel, type Download, type DownloadFile } from '@d011dl/contract';
import { errorMessage } from '../api/client';
import { copyMessage, copyPath } from '../jobs/copyPath';
import { FINAL } from '../jobs/describe';
import { unwatchJob } from '../jobs/watch';
import { kindLabel } from '../library/words';
import { useSession } from '../session';
import { Body, Button, ErrorText, Screen, useTheme } from '../ui/theme';

export const POLL_MS = 1500;

export function JobScreen({ id, onModels, onFinished }: {
  id: string;
  onModels: () => void;
  /** once, for a job started from this device */
  onFinished?: (job: Download) => void;
}) {
  const { client, store } = useSession();
  const t = useTheme();
  const [job, setJob] = useState<Download | null>(null);
  const [files, setFiles] = useState<DownloadFile[]>([]);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const [copied, setCopied] = useState('');
  // "Downloads limited to 20 MB/s until 00:00": while the job is queued or running
  const [bandwidth, setBandwidth] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const logBox = useRef<ScrollView>(null); // kept at its end: the newest lines are the ones that matter

  useEffect(() => {
    let alive = true;
    (async () => {
      try {
        const [d, f] = await Promise.all([client.download(id), client.downloadFiles(id)]);
        if (!alive) return;
        setJob(d);
        setFiles(f.files);
        setError('');
        if (FINAL.has(d.status) && (await unwatchJob(store, id))) onFinished?.(d);
        if (!FINAL.has(d.status)) {
          timer.current = setTimeout(() => setTick((n) => n + 1), POLL_MS);
          // an API without it (older) or a failed call leaves the line out; the job page works without it
          client.bandwidth().then((b) => alive && setBandwidth(describeBandwidth(b, formatSpeed)), () => {});
        }
      } catch (e) {
        if (!alive) return;
        setError(errorMessage(e));
        timer.current = setTimeout(() => setTick((n) => n + 1), POLL_MS * 2);
      }
    })();
    return () => {
      alive = false;
      if (timer.current) clearTimeout(timer.current);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, id, tick]);

  async function act(api: 'cancel' | 'retry') {
    try {
      if (api === 'cancel') await client.cancelDownload(id);
      else await client.retryDownload(id);
      setTick((n) => n + 1);
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  const action = job ? jobAction(job.status) : null;
  const color = job?.status === 'succeeded' ? t.ok : job?.status === 'failed' ? t.danger : job?.status === 'canceled' ? t.warn : t.primary;
  // One scrolling page: the job's summary, then its files (a phone shows few rows under a fixed header).
  const header = (
    <>
      {job ? (
        <>
          {kindLabel(job) ? <Body testID="kind" style={{ fontWeight: '600' }}>{kindLabel(job)}</Body> : null}
          <Body style={{ fontSize: 18, fontWeight: '700' }}>{job.author}/{job.repo} @ {job.revision}</Body>
          <Text testID="status" style={{ color, fontWeight: '700', marginTop: 6 }}>{statusLabel(job.status).toUpperCase()} · {job.progress_pct.toFixed(1)}%</Text>
          <View style={{ height: 8, backgroundColor: t.card, borderRadius: 4, marginVertical: 8 }}>
            <View style={{ height: 8, width: `${Math.min(100, job.progress_pct)}%`, backgroundColor: color, borderRadius: 4 }} />
          </View>
          <Body>{formatBytes(job.bytes_done)} / {formatBytes(job.bytes_total)} · {job.files_done}/{job.files_total} files{job.files_failed ? ` · ${job.files_failed} failed` : ''}</Body>
          {FINAL.has(job.status) ? null : <Body muted>Speed {formatSpeed(job.speed_bps || null)} · ETA {formatDuration(job.eta_s)}</Body>}
          {!FINAL.has(job.status) && bandwidth ? <Body muted testID="bandwidth">{bandwidth}</Body> : null}
          <Times job={job} />
          <Text selectable testID="display-path" style={{ color: t.muted, marginTop: 6 }}>{job.display_path}</Text>
          <Button kind="secondary" title="Copy path" onPress={() => void copyPath(job.display_path).then((o) => setCopied(copyMessage(o)))} />
          {copied ? <Body muted testID="copied">{copied}</Body> : null}
          {job.waiting ? (
            <Body testID="waiting">
              Waiting for the Hub — retrying {formatRetryIn(job.waiting.retry_at)} (attempt {job.waiting.attempt}): {job.waiting.message}. It resumes by itself.
            </Body>
          ) : null}
          {job.error ? <ErrorText>{job.error}</ErrorText> : null}
          {action && action.action !== 'pause' ? (
            <Body muted testID="kept">The downloaded parts are kept: {action.label} continues where the download stopped.</Body>
          ) : null}
          {action ? (
            <Button kind={action.action === 'pause' ? 'secondary' : 'primary'} title={action.label} onPress={() => act(action.api)} />
          ) : null}
          {action?.action === 'pause' ? <Body muted>Pause stops the download and keeps the parts already fetched.</Body> : null}
          {job.status === 'succeeded' ? <Button title="My models" onPress={onModels} /> : null}
          {job.log.trim() ? (
            <ScrollView testID="log" ref={logBox} onContentSizeChange={() => logBox.current?.scrollToEnd({ animated: false })} nestedScrollEnabled style={{ maxHeight: 140, marginTop: 8, padding: 8, borderRadius: 6, backgroundColor: t.card }}>
              <Text style={{ color: t.muted, fontFamily: 'monospace', fontSize: 12 }}>{logTail(job.log)}</Text>
            </ScrollView>
          ) : null}
        </>
      ) : (
        <Body muted>Loading…</Body>
      )}
      <ErrorText>{error}</ErrorText>
    </>
  );
  return (
    <Screen>
      <FlatList
        ListHeaderComponent={header}
        data={files}
        keyExtractor={(f) => f.path}
        renderItem={({ item }) => {
          const state = job ? fileState(item, job) : item.status;
          return (
            <View testID={`file-${item.path}`} style={{ flexDirection: 'row', justifyContent: 'space-between', alignItems: 'center', minHeight: 48 }}>
              <Text style={{ color: t.text, flexShrink: 1 }}>{item.path}</Text>
              <Text style={{ color: state === 'failed' ? t.danger : state === 'done' ? t.ok : state === 'paused' ? t.warn : t.muted, marginLeft: 8 }}>
                {state} {formatBytes(item.bytes_done)}/{formatBytes(item.size_bytes)}
              </Text>
            </View>
          );
        }}
      />
    </Screen>
  );
}

/** Elapsed, average speed, start and finish; while it runs, elapsed counts on with each poll. */
function Times({ job }: { job: Download }) {
  const secs = elapsedSeconds(job);
  if (secs === null) return <Body muted testID="times">Not started yet</Body>;
  const avg = secs > 0 ? job.bytes_done / secs : null;
  return (
    <Body muted testID="times">
      Elapsed {formatDuration(secs)} · average {formatSpeed(avg)} · started {formatWhen(job.started_at)}
      {job.finished_at ? ` · finished ${formatWhen(job.finished_at)}` : ''}
    </Body>
  );
}

