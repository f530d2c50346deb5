//! Scope decision and (later) evidence + answers → verdicts. Never does I/O.
