-- `invalid_link` and `too_long` cannot be told apart from their older
-- meanings; only `unparsable` goes back.
UPDATE imports
SET skipped = replace(skipped, '"reason":"unparsable"', '"reason":"invalid"')
WHERE skipped LIKE '%"reason":"unparsable"%';
