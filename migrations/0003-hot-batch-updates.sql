-- room for HOT updates of a whole batch: jobs fillfactor 45 (a claim rewrites every job of a page at once), deals 60
ALTER TABLE {{schema}}.jobs SET (fillfactor = 45);
ALTER TABLE {{schema}}.deals SET (fillfactor = 60);
