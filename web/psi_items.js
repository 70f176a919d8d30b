// A PSI consumer's items as the browser reads them, never sent anywhere: a
// CSV file (RFC 4180, the first row its header, like `qiantang psi run
// --input`) or pasted text, one item per line.

// The records of a CSV text: fields split on commas, quoted fields may hold
// commas, doubled quotes and line breaks; blank lines are skipped.
export function csvRecords(text) {
  const records = [];
  let record = [];
  let field = "";
  let quoted = false;
  const endRecord = () => {
    record.push(field);
    if (record.length > 1 || record[0] !== "") records.push(record);
    record = [];
    field = "";
  };
  for (let i = 0; i < text.length; ++i) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        ++i;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\n") endRecord();
    else if (c !== "\r") field += c;
  }
  if (field !== "" || record.length) endRecord();
  return records;
}

// The header and the column `name` (default: the first) of a CSV text.
export function csvColumn(text, name) {
  const [header = [], ...rows] = csvRecords(text);
  const index = name ? header.indexOf(name) : 0;
  return { header, items: index < 0 ? [] : rows.map((r) => r[index] ?? "") };
}

// Pasted items: one a line, spaces around each trimmed.
export function pastedItems(text) {
  return text.split(/\r?\n/).map((line) => line.trim());
}
