DROP INDEX wanted_by_source;
DROP INDEX wanted_by_created;
