// Run by segmented.test.ts as a separate process that gets SIGKILLed mid-download (a real crash).
// argv[2]: JSON { task, options } for downloadFile.
import { downloadFile, type EngineOptions, type FileTask } from '../../src/engine/index.ts';

const { task, options } = JSON.parse(process.argv[2] ?? '{}') as { task: FileTask; options: EngineOptions };
await downloadFile(task, options);
console.log('finished');
