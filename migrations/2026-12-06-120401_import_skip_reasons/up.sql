-- Skip reasons stored with past imports, in the contract's vocabulary
-- (api.md §13 "Imports"): `invalid` is `unparsable`, `unsupported_link` is
-- `invalid_link`, and `limit` (an item past the list's limit, from before an
-- over-long list was refused whole) is `too_long`. The list is compact JSON
-- written by serde: the pattern cannot occur inside an escaped `input`.
UPDATE imports
SET skipped = replace(replace(replace(skipped,
        '"reason":"invalid"', '"reason":"unparsable"'),
        '"reason":"unsupported_link"', '"reason":"invalid_link"'),
        '"reason":"limit"', '"reason":"too_long"')
WHERE skipped LIKE '%"reason":"invalid"%'
   OR skipped LIKE '%"reason":"unsupported_link"%'
   OR skipped LIKE '%"reason":"limit"%';
