-- deals fillfactor 45: a batch updates the deals of whole pages at once, and at 60 a quarter of those updates found no room on their page (not HOT: four index entries each)
ALTER TABLE {{schema}}.deals SET (fillfactor = 45);
