"""Schema-driven extraction: a document and a JSON Schema in, schema-valid JSON with evidence out."""
