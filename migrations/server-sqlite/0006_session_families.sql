-- Refresh-token rotation with reuse detection (OAuth 2.0 Security BCP §4.14): every session
-- opened by refreshing belongs to the family of the login that started it. A refresh token
-- presented a second time means it was copied, so the whole family is revoked. A family ends
-- 90 days after its login whatever the refreshes, so a stolen token cannot live for ever.
ALTER TABLE sessions ADD COLUMN family_id TEXT;
ALTER TABLE sessions ADD COLUMN family_expires_at TEXT;
UPDATE sessions SET family_id = id, family_expires_at = refresh_expires_at WHERE family_id IS NULL;
CREATE INDEX sessions_family ON sessions (tenant_id, family_id);
