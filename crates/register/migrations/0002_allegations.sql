-- Allegations of non-compliance, received before (or without) a case: from consumers,
-- security researchers, another regulator, a market sweep, or a manufacturer's own
-- notification of a compliance failure (Act s. 11). `reference` is unguessable: the public
-- looks its allegation up by it.
CREATE TABLE allegations (
    reference TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    brand TEXT NOT NULL,
    model TEXT NOT NULL,
    description TEXT NOT NULL,
    contact TEXT,
    where_bought TEXT,
    received_at TEXT NOT NULL,
    case_id TEXT
);
CREATE INDEX allegations_case ON allegations (case_id);

CREATE TABLE allegation_attachments (
    reference TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (reference, sha256)
);
