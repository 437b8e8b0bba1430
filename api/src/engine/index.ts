// The download engine: one verified, resumable file at a time (downloadFile), or a set (runFileSet).
export { downloadFile } from './download-file.ts';
export { runFiles, type RunFilesOptions } from './run-files.ts';
export { runFileSet, type FileOutcome, type FileSetHooks, type FileSetResult } from './file-set.ts';
export { DownloadError, type DownloadErrorCode } from './errors.ts';
export { closeEngine, openEngine, type EngineHandle } from './close.ts';
export type { EngineOptions, FileEvent, FileEventType, FileResult, FileTask, SlotLease } from './types.ts';
export { FileScheduler, eachLimit, type SchedulePolicy } from './schedule.ts';
export { BandwidthLimiter } from './bandwidth-limiter.ts';
