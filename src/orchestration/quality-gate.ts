// What a pipeline's quality task looks at: the rows of each stream waiting in quarantine, in the
// target's state (the checks of the syncs set them aside; replay or discard takes them out).
import type { Project } from '../config/project.js';
import { connectPostgres } from '../connectors/postgres/connect.js';
import type { FerryState } from '../state/ferry-state.js';

export async function quarantinedByStream(
  project: Pick<Project, 'target' | 'targetSchemas'>,
  state: FerryState,
  streams: readonly string[] | undefined,
): Promise<Map<string, number>> {
  const client = await connectPostgres(project.target);
  try {
    await state.migrate(client);
    // streams with a target_schema of their own keep their entries there
    return await state.quarantine.waitingByStream(client, project.targetSchemas, streams);
  } finally {
    await client.end().catch(() => undefined);
  }
}
