-- A newsradar database as the store of commit 97440a6 wrote it (schema version 6,
-- PRAGMA user_version, no migration names): every table and row, the schema as
-- sqlite_master holds it. The full-text index is filled by the triggers as rows load.
-- Load with executescript into an empty file.
BEGIN;
CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            added TEXT NOT NULL,
            last_polled TEXT,
            last_success TEXT,
            last_error TEXT,
            last_error_at TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            articles_found INTEGER NOT NULL DEFAULT 0
        , resolved_kind TEXT, resolved_url TEXT, last_status TEXT, next_poll TEXT, operator_alerted TEXT);
CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            source_id INTEGER REFERENCES sources(id),
            title TEXT,
            text TEXT,
            author TEXT,
            published TEXT,
            language TEXT,
            extracted_from TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            updated TEXT NOT NULL,
            matched_at TEXT
        , entry_updated TEXT, charset_note TEXT, text_dropped TEXT, story_id INTEGER REFERENCES stories(id), story_similarity REAL);
CREATE INDEX idx_articles_unmatched ON articles(id) WHERE matched_at IS NULL;
CREATE INDEX idx_articles_first_seen ON articles(first_seen);
CREATE TABLE mentions (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            entity_id TEXT NOT NULL,
            alias TEXT NOT NULL,
            rule TEXT NOT NULL,
            start_offset INTEGER NOT NULL,
            end_offset INTEGER NOT NULL,
            snippet TEXT NOT NULL,
            UNIQUE (article_id, entity_id, start_offset)
        );
CREATE INDEX idx_mentions_entity ON mentions(entity_id);
CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id),
            started TEXT NOT NULL,
            finished TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            articles_new INTEGER NOT NULL DEFAULT 0,
            error TEXT
        );
CREATE INDEX idx_runs_source ON runs(source_id, started);
CREATE VIRTUAL TABLE "articles_fts" USING FTS5 (
    "title", "text",
    tokenize='porter',
    content="articles"
);
CREATE TRIGGER "articles_ai" AFTER INSERT ON "articles" BEGIN
  INSERT INTO "articles_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");
END;
CREATE TRIGGER "articles_ad" AFTER DELETE ON "articles" BEGIN
  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text") VALUES('delete', old.rowid, old."title", old."text");
END;
CREATE TRIGGER "articles_au" AFTER UPDATE ON "articles" BEGIN
  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text") VALUES('delete', old.rowid, old."title", old."text");
  INSERT INTO "articles_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");
END;
CREATE TABLE article_urls (url TEXT PRIMARY KEY, article_id INTEGER NOT NULL REFERENCES articles(id)) WITHOUT ROWID;
CREATE TABLE article_html (article_id INTEGER PRIMARY KEY REFERENCES articles(id), url TEXT NOT NULL, html TEXT NOT NULL, fetched TEXT NOT NULL);
CREATE TABLE http_validators (source_id INTEGER NOT NULL REFERENCES sources(id), url TEXT NOT NULL, etag TEXT, last_modified TEXT, saved TEXT NOT NULL, PRIMARY KEY (source_id, url)) WITHOUT ROWID;
CREATE TABLE service (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            pid INTEGER NOT NULL,
            started TEXT NOT NULL,
            heartbeat TEXT NOT NULL,
            stopped TEXT,
            config TEXT
        );
CREATE TABLE "alerts" (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            target TEXT NOT NULL,
            entities TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            created TEXT NOT NULL,
            next_attempt TEXT NOT NULL,
            last_error TEXT,
            sent_at TEXT,
            message_id TEXT,
            UNIQUE (article_id, target, entities)
        );
CREATE INDEX idx_alerts_due ON alerts(next_attempt) WHERE status = 'pending';
CREATE INDEX idx_alerts_sent ON alerts(target, sent_at) WHERE status = 'sent';
CREATE INDEX idx_alerts_article ON alerts(article_id)
        ;
CREATE TABLE stories (
            id INTEGER PRIMARY KEY,
            first_article_id INTEGER NOT NULL UNIQUE REFERENCES articles(id),
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            copies INTEGER NOT NULL DEFAULT 1
        );
CREATE INDEX idx_articles_story ON articles(story_id);
CREATE TABLE article_signatures (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id),
            kind TEXT NOT NULL,
            shingles INTEGER NOT NULL,
            minhash BLOB NOT NULL
        );
INSERT INTO sources (id, url, name, kind, added, last_polled, last_success, last_error, last_error_at, consecutive_failures, articles_found, resolved_kind, resolved_url, last_status, next_poll, operator_alerted) VALUES (1, 'http://127.0.0.1:8001/feed.xml', 'Kabul Ledger', 'feed', '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', NULL, NULL, 0, 2, NULL, NULL, NULL, '2026-12-02T01:37:46Z', NULL);
INSERT INTO sources (id, url, name, kind, added, last_polled, last_success, last_error, last_error_at, consecutive_failures, articles_found, resolved_kind, resolved_url, last_status, next_poll, operator_alerted) VALUES (2, 'http://127.0.0.1:8002/sitemap.xml', 'Indus Wire', 'sitemap', '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', 'HTTP 503 Service Unavailable', '2026-12-02T01:27:46Z', 1, 1, NULL, NULL, NULL, NULL, 'failing');
INSERT INTO sources (id, url, name, kind, added, last_polled, last_success, last_error, last_error_at, consecutive_failures, articles_found, resolved_kind, resolved_url, last_status, next_poll, operator_alerted) VALUES (3, 'http://127.0.0.1:8003/', 'Security Watch', 'auto', '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', NULL, NULL, 0, 1, 'feed', 'http://127.0.0.1:8003/rss', '3 entries: 1 new, 1 updated', NULL, NULL);
INSERT INTO articles (id, url, source_id, title, text, author, published, language, extracted_from, content_hash, first_seen, updated, matched_at, entry_updated, charset_note, text_dropped, story_id, story_similarity) VALUES (1, 'http://127.0.0.1:8001/news/taliban-doha', 1, 'Taliban envoys return to Doha for talks', 'The Taliban said on Monday its envoys would return to Doha.

Sirajuddin Haqqani was not among them, officials said.', 'R. Khan', '2026-11-27T07:00:00Z', 'en', 'page', '50e70ebc73d5dc9eca63b58333841e325255a1e2f52ae6291eba4ae68a5acf42', '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', '2026-11-27T07:05:00Z', NULL, NULL, 1, NULL);
INSERT INTO articles (id, url, source_id, title, text, author, published, language, extracted_from, content_hash, first_seen, updated, matched_at, entry_updated, charset_note, text_dropped, story_id, story_similarity) VALUES (2, 'http://127.0.0.1:8001/news/kabul-rain', 1, 'Rain expected in Kābul — “heavy” at times', NULL, NULL, NULL, 'en', 'feed', '6d463da6009f56144c3b6a734f32378df1c82e93e317f04f4cab69087bc80624', '2026-01-05T09:00:00Z', '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', '2026-11-27T06:00:00Z', 'declared iso-8859-1, decoded as utf-8', '2026-12-02T01:27:46Z', 2, NULL);
INSERT INTO articles (id, url, source_id, title, text, author, published, language, extracted_from, content_hash, first_seen, updated, matched_at, entry_updated, charset_note, text_dropped, story_id, story_similarity) VALUES (3, 'http://127.0.0.1:8002/2026/11/27/doha-talks', 2, 'Taliban delegation heads to Doha', 'The Taliban said on Monday its envoys would return to Doha. Analysts expect little.', NULL, NULL, NULL, 'page', 'b8666a81d5d33bfc74471c621f65136dc176e724f5e2ab92b4fc4239632646c6', '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', NULL, NULL, NULL, 1, 0.82);
INSERT INTO articles (id, url, source_id, title, text, author, published, language, extracted_from, content_hash, first_seen, updated, matched_at, entry_updated, charset_note, text_dropped, story_id, story_similarity) VALUES (4, 'http://127.0.0.1:8003/old-report', 3, 'Old report on IS-K (updated)', 'IS-K claimed the attack, a statement said. Updated with casualty figures.', NULL, NULL, NULL, 'page', '6dc05bc21ca209f275091a520c1ac133fa8ce76eff0d90c9af55fe725bdbaa55', '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', NULL, NULL, NULL, 3, NULL);
INSERT INTO mentions (id, article_id, entity_id, alias, rule, start_offset, end_offset, snippet) VALUES (1, 1, 'taliban', 'Taliban', 'exact', 0, 7, '[Taliban] envoys return to Doha for talks');
INSERT INTO mentions (id, article_id, entity_id, alias, rule, start_offset, end_offset, snippet) VALUES (2, 1, 'haqqani', 'Sirajuddin Haqqani', 'exact', 107, 125, '[Sirajuddin Haqqani] was not among them');
INSERT INTO mentions (id, article_id, entity_id, alias, rule, start_offset, end_offset, snippet) VALUES (3, 3, 'taliban', 'Taliban', 'exact', 0, 7, '[Taliban] delegation heads to Doha');
INSERT INTO mentions (id, article_id, entity_id, alias, rule, start_offset, end_offset, snippet) VALUES (4, 4, 'isk', 'IS-K', 'acronym', 0, 4, 'Old report on [IS-K] (updated)');
INSERT INTO runs (id, source_id, started, finished, status, articles_new, error) VALUES (1, 1, '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', 'ok', 2, NULL);
INSERT INTO runs (id, source_id, started, finished, status, articles_new, error) VALUES (2, 2, '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', 'ok', 1, NULL);
INSERT INTO runs (id, source_id, started, finished, status, articles_new, error) VALUES (3, 2, '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', 'failed', 0, 'HTTP 503 Service Unavailable');
INSERT INTO runs (id, source_id, started, finished, status, articles_new, error) VALUES (4, 3, '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', 'ok', 1, NULL);
INSERT INTO runs (id, source_id, started, finished, status, articles_new, error) VALUES (5, 3, '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', 'interrupted', 0, NULL);
INSERT INTO article_urls (url, article_id) VALUES ('http://127.0.0.1:8001/news/kabul-rain', 2);
INSERT INTO article_urls (url, article_id) VALUES ('http://127.0.0.1:8001/news/taliban-doha', 1);
INSERT INTO article_urls (url, article_id) VALUES ('http://127.0.0.1:8001/news/taliban-doha?utm_source=rss', 1);
INSERT INTO article_urls (url, article_id) VALUES ('http://127.0.0.1:8001/p/1', 1);
INSERT INTO article_urls (url, article_id) VALUES ('http://127.0.0.1:8002/2026/11/27/doha-talks', 3);
INSERT INTO article_urls (url, article_id) VALUES ('http://127.0.0.1:8003/old-report', 4);
INSERT INTO article_html (article_id, url, html, fetched) VALUES (1, 'http://127.0.0.1:8001/news/taliban-doha', '<html><body><h1>Taliban envoys return to Doha for talks</h1></body></html>', '2026-12-02T01:27:46Z');
INSERT INTO http_validators (source_id, url, etag, last_modified, saved) VALUES (1, 'http://127.0.0.1:8001/feed.xml', '"abc123"', NULL, '2026-12-02T01:27:46Z');
INSERT INTO http_validators (source_id, url, etag, last_modified, saved) VALUES (3, 'http://127.0.0.1:8003/rss', NULL, 'Fri, 27 Nov 2026 07:00:00 GMT', '2026-12-02T01:27:46Z');
INSERT INTO service (id, pid, started, heartbeat, stopped, config) VALUES (1, 4242, '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', NULL, '/etc/newsradar/newsradar.toml');
INSERT INTO alerts (id, article_id, target, entities, status, attempts, created, next_attempt, last_error, sent_at, message_id) VALUES (1, 1, 'desk', '["haqqani", "taliban"]', 'sent', 1, '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', NULL, '2026-12-02T01:27:46Z', '35b0547d1b974c07a81166c1c88c4ebc');
INSERT INTO alerts (id, article_id, target, entities, status, attempts, created, next_attempt, last_error, sent_at, message_id) VALUES (2, 1, 'officials', '["haqqani"]', 'failed', 1, '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', 'SMTP AUTH failed', NULL, NULL);
INSERT INTO alerts (id, article_id, target, entities, status, attempts, created, next_attempt, last_error, sent_at, message_id) VALUES (3, 3, 'desk', '["taliban"]', 'sent', 1, '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', NULL, '2026-12-02T01:27:46Z', '35b0547d1b974c07a81166c1c88c4ebc');
INSERT INTO alerts (id, article_id, target, entities, status, attempts, created, next_attempt, last_error, sent_at, message_id) VALUES (4, 4, 'desk', '["isk"]', 'pending', 1, '2026-12-02T01:27:46Z', '2026-12-02T01:32:46Z', 'HTTP 503', NULL, NULL);
INSERT INTO stories (id, first_article_id, first_seen, last_seen, copies) VALUES (1, 1, '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', 2);
INSERT INTO stories (id, first_article_id, first_seen, last_seen, copies) VALUES (2, 2, '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', 1);
INSERT INTO stories (id, first_article_id, first_seen, last_seen, copies) VALUES (3, 4, '2026-12-02T01:27:46Z', '2026-12-02T01:27:46Z', 1);
INSERT INTO article_signatures (article_id, kind, shingles, minhash) VALUES (1, 'affine32:128:4', 40, X'000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F');
INSERT INTO article_signatures (article_id, kind, shingles, minhash) VALUES (2, 'affine32:128:4', 3, X'');
INSERT INTO article_signatures (article_id, kind, shingles, minhash) VALUES (3, 'affine32:128:4', 22, X'00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000');
INSERT INTO article_signatures (article_id, kind, shingles, minhash) VALUES (4, 'affine32:128:4', 9, X'00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF');
PRAGMA user_version = 6;
COMMIT;
