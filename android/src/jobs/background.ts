// While the app is closed: a background task (WorkManager on Android, at most every ~15 min) polls the
// jobs started from this device and notifies when one finishes. defineTask must run at module scope.
import { Platform } from 'react-native';
import * as BackgroundTask from 'expo-background-task';
import * as TaskManager from 'expo-task-manager';
import { ApiClient } from '../api/client';
import { defaultStore } from '../api/storage';
import { notifyJobFinished } from './notify';
import { checkWatchedJobs } from './watch';

export const JOB_CHECK_TASK = 'd011dl-job-check';

if (Platform.OS !== 'web') {
  TaskManager.defineTask(JOB_CHECK_TASK, async () => {
    try {
      const store = defaultStore();
      const client = new ApiClient({ store });
      if (await client.restore()) await checkWatchedJobs(client, store, notifyJobFinished);
      return BackgroundTask.BackgroundTaskResult.Success;
    } catch {
      return BackgroundTask.BackgroundTaskResult.Failed;
    }
  });
}

export async function registerJobCheck(): Promise<void> {
  if (Platform.OS === 'web') return;
  if (!(await TaskManager.isTaskRegisteredAsync(JOB_CHECK_TASK))) {
    await BackgroundTask.registerTaskAsync(JOB_CHECK_TASK, { minimumInterval: 15 });
  }
}
