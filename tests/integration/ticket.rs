//! `ecs-doctor ticket` offline: the file backend, dry runs, labels, non-interactive runs.
