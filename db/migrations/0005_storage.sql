-- The storage this installation initialised: its id is also written to <STORAGE_ROOT>/.d011dl/storage-id,
-- so an empty mount point (the NAS not mounted) is told apart from the storage itself. One row.

CREATE TABLE IF NOT EXISTS storage (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  storage_id text NOT NULL,
  -- the root was a mount of its own (another device than its parent folder) when it was initialised
  separate_mount boolean NOT NULL,
  initialised_at timestamptz NOT NULL DEFAULT now()
);
