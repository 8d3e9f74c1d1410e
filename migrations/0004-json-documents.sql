-- deal, history and job documents as json: stored as sent, never parsed into jsonb (the server reads no field inside them but a job's dueAt)
ALTER TABLE {{schema}}.deals ALTER COLUMN doc TYPE json USING doc::json;
ALTER TABLE {{schema}}.log ALTER COLUMN doc TYPE json USING doc::json;
ALTER TABLE {{schema}}.jobs ALTER COLUMN doc TYPE json USING doc::json;
