import { useEffect, useRef, useState } from 'react';
import { FlatList, Text, View } from 'react-native';
import { formatBytes, formatDuration, formatRetryIn, formatSpeed, type Download, type DownloadFile } from '@d011dl/contract';
import { errorMessage } from '../api/client';
import { unwatchJob } from '../jobs/watch';
import { useSession } from '../session';
import { Body, Button, ErrorText, Screen, useTheme } from '../ui/theme';

export const POLL_MS = 1500;
const FINAL = new Set(['succeeded', 'failed', 'canceled']);

export function JobScreen({ id, onModels, onFinished }: { id: string; onModels: () => void; /** once, for a job started from this device */ onFinished?: (job: Download) => void }) {
  const { client, store } = useSession();
  const t = useTheme();
  const [job, setJob] = useState<Download | null>(null);
  const [files, setFiles] = useState<DownloadFile[]>([]);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

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
        if (!FINAL.has(d.status)) timer.current = setTimeout(() => setTick((n) => n + 1), POLL_MS);
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

  async function act(kind: 'cancel' | 'retry') {
    try {
      if (kind === 'cancel') await client.cancelDownload(id);
      else await client.retryDownload(id);
      setTick((n) => n + 1);
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  const color = job?.status === 'succeeded' ? t.ok : job?.status === 'failed' ? t.danger : t.primary;
  return (
    <Screen>
      {job ? (
        <>
          <Body style={{ fontSize: 18, fontWeight: '700' }}>{job.author}/{job.repo} @ {job.revision}</Body>
          <Text testID="status" style={{ color, fontWeight: '700', marginTop: 6 }}>{job.status.toUpperCase()} · {job.progress_pct.toFixed(1)}%</Text>
          <View style={{ height: 8, backgroundColor: t.card, borderRadius: 4, marginVertical: 8 }}>
            <View style={{ height: 8, width: `${Math.min(100, job.progress_pct)}%`, backgroundColor: color, borderRadius: 4 }} />
          </View>
          <Body>{formatBytes(job.bytes_done)} / {formatBytes(job.bytes_total)} · {job.files_done}/{job.files_total} files{job.files_failed ? ` · ${job.files_failed} failed` : ''}</Body>
          <Body muted>Speed {formatSpeed(job.speed_bps || null)} · ETA {formatDuration(job.eta_s)}</Body>
          <Body muted>{job.local_path}</Body>
          {job.waiting ? (
            <Body testID="waiting">
              Waiting for the Hub — retrying {formatRetryIn(job.waiting.retry_at)} (attempt {job.waiting.attempt}): {job.waiting.message}. It resumes by itself.
            </Body>
          ) : null}
          {job.error ? <ErrorText>{job.error}</ErrorText> : null}
          {job.status === 'queued' || job.status === 'running' ? <Button kind="danger" title="Cancel" onPress={() => act('cancel')} /> : null}
          {job.status === 'failed' || job.status === 'canceled' ? <Button title="Retry" onPress={() => act('retry')} /> : null}
          {job.status === 'succeeded' ? <Button title="My models" onPress={onModels} /> : null}
        </>
      ) : (
        <Body muted>Loading…</Body>
      )}
      <ErrorText>{error}</ErrorText>
      <FlatList
        data={files}
        keyExtractor={(f) => f.path}
        renderItem={({ item }) => (
          <View style={{ flexDirection: 'row', justifyContent: 'space-between', paddingVertical: 4 }}>
            <Text style={{ color: t.text, flexShrink: 1 }}>{item.path}</Text>
            <Text style={{ color: item.status === 'failed' ? t.danger : item.status === 'done' ? t.ok : t.muted, marginLeft: 8 }}>
              {item.status} {formatBytes(item.bytes_done)}/{formatBytes(item.size_bytes)}
            </Text>
          </View>
        )}
      />
    </Screen>
  );
}
