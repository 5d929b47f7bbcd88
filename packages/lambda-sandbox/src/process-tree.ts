/**
 * Sends a signal to a process group (the sandbox starts each process as a group leader, so
 * children of a launcher script are reached too). Returns false when the group is gone.
 * @internal
 */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
