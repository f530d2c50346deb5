-- Schema 3: what a notice requires and rests on, the documents given, tasks with due dates,
-- teams and users.

-- A notice's steps and period (s. 28(2), s. 29(2)), the verdicts and findings it cites as
-- the basis of each breach (JSON), and the SHA-256 of the documents sent at the notice of
-- intent and when given (stored as evidence of kind `notice`).
ALTER TABLE notices ADD COLUMN steps TEXT;
ALTER TABLE notices ADD COLUMN comply_by TEXT;
ALTER TABLE notices ADD COLUMN basis TEXT;
ALTER TABLE notices ADD COLUMN intent_html TEXT;
ALTER TABLE notices ADD COLUMN intent_pdf TEXT;
ALTER TABLE notices ADD COLUMN issued_html TEXT;
ALTER TABLE notices ADD COLUMN issued_pdf TEXT;

ALTER TABLE penalties ADD COLUMN reasons TEXT;
ALTER TABLE penalties ADD COLUMN evidence TEXT;
ALTER TABLE penalties ADD COLUMN basis TEXT;
ALTER TABLE penalties ADD COLUMN issued_html TEXT;
ALTER TABLE penalties ADD COLUMN issued_pdf TEXT;

CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    title TEXT NOT NULL,
    due_at TEXT NOT NULL,
    assignee TEXT,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX tasks_open ON tasks (status, due_at);
CREATE INDEX tasks_case ON tasks (case_id);

CREATE TABLE teams (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);

-- People of the enforcement authority and respondents. Credentials (passwords, second
-- factors, tokens) are the web service's and come with it.
CREATE TABLE users (
    email TEXT PRIMARY KEY,
    name TEXT,
    role TEXT NOT NULL,
    team TEXT,
    operator_id TEXT,
    created_at TEXT NOT NULL,
    disabled_at TEXT
);
