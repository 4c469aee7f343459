/**
 * `@threadline/recovery/file`: a checkpoint store on the local file system with
 * atomic, fsync'd writes. No extra dependencies.
 */
export {
  createFileCheckpointStore,
  type FileCheckpointStoreOptions,
} from "./file-checkpoint-store.js";
