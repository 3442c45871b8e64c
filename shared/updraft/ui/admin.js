// Admin pages: Variables and Connections — create, edit, delete, import and export JSON in
// Airflow's file formats. Sensitive values arrive from the API as `***` and stay that way.

import { get, post, patch, del, qs, enc } from "./api.js";
import { h, dialog, confirmDialog, download, readFile, jsonError, pager, toast, fill } from "./ui.js";

const LIMIT = 50;
const MASK = "***";

// Every page of a listing (the API answers at most 100 a request).
async function all(path, field) {
  const found = [];
  for (let offset = 0; ; offset += 100) {
    const body = await get(`${path}${qs({ limit: 100, offset })}`);
    found.push(...body[field]);
    if (found.length >= body.total_entries || !body[field].length) return found;
  }
}

function bulkReport(result, label) {
  const action = result.create || {};
  const errors = (action.errors || []).map((e) => e.error);
  if (errors.length) toast(`Import: ${errors.join("; ")}`, "error");
  else toast(`Imported ${(action.success || []).length} ${label}`);
}

function importButton(parse, send, label) {
  const input = h("input", { type: "file", accept: ".json,application/json", hidden: true, "aria-label": `Import ${label}`,
    onchange: async () => {
      const file = input.files[0];
      input.value = "";
      if (!file) return;
      const text = await readFile(file);
      const problem = jsonError(text);
      if (problem) return toast(`${file.name} is not valid JSON: ${problem}`, "error");
      let entities;
      try {
        entities = parse(JSON.parse(text));
      } catch (err) {
        return toast(`${file.name}: ${err.message}`, "error");
      }
      const ok = await confirmDialog(`Import ${label}`, `Create or overwrite ${entities.length} ${label} from ${file.name}?`, "Import");
      if (ok) await send(entities).catch((err) => toast(err.message, "error"));
    } });
  return [input, h("button.btn", { type: "button", onclick: () => input.click() }, "Import JSON")];
}

// -- variables --------------------------------------------------------------------------------
export async function variables({ root, query, setQuery }) {
  let offset = Number(query.get("offset") || 0);
  let pattern = query.get("search") || "";
  const table = h("div.table-wrap");
  const search = h("input.search", { type: "search", placeholder: "Search keys", value: pattern, "aria-label": "Search variables",
    oninput: () => { pattern = search.value.trim(); offset = 0; load(); } });

  const send = async (entities) => {
    bulkReport(await patch("/api/v2/variables", { actions: [{ action: "create", entities, action_on_existence: "overwrite" }] }), "variables");
    await load();
  };
  fill(root, h("section.page",
    h("div.page-head", h("h1", "Variables"), h("span.spacer"),
      h("button.btn.primary", { type: "button", onclick: () => edit(null) }, "+ Add variable"),
      importButton(parseVariables, send, "variables"),
      h("button.btn", { type: "button", onclick: exportAll }, "Export JSON")),
    h("div.toolbar", search),
    table));

  async function load() {
    setQuery({ offset: offset || null, search: pattern || null });
    const body = await get(`/api/v2/variables${qs({ limit: LIMIT, offset, variable_key_pattern: pattern ? `%${pattern}%` : null })}`);
    fill(table, body.variables.length ? h("table.list",
      h("thead", h("tr", h("th", "Key"), h("th", "Value"), h("th", "Description"), h("th", ""))),
      h("tbody", body.variables.map((v) => h("tr", { dataset: { key: v.key } },
        h("td", h("code", v.key)), h("td.value", v.value === MASK ? h("span.masked", MASK) : v.value),
        h("td.muted", v.description || ""),
        h("td.actions",
          h("button.btn.small", { type: "button", onclick: () => edit(v) }, "Edit"),
          h("button.btn.small.danger", { type: "button", onclick: () => remove(v.key) }, "Delete")))))) : h("div.empty", "No variables."),
    pager(offset, LIMIT, body.total_entries, (o) => { offset = o; load(); }));
  }

  async function edit(existing) {
    const key = h("input", { name: "key", value: existing ? existing.key : "", disabled: !!existing, required: true });
    const value = h("textarea", { name: "value", rows: 6, value: existing && existing.value !== MASK ? existing.value : "",
      placeholder: existing && existing.value === MASK ? "The value is sensitive: type a new one to replace it" : "" });
    const description = h("input", { name: "description", value: existing ? existing.description || "" : "" });
    const saved = await dialog(existing ? `Edit ${existing.key}` : "Add variable", h("div.form",
      h("label", "Key", key), h("label", "Value", value), h("label", "Description", description)), [
      { label: "Cancel", value: null },
      {
        label: "Save", primary: true,
        action: () => {
          if (!key.value.trim()) throw new Error("The key is required");
          const body = { key: key.value.trim(), value: value.value, description: description.value || null };
          if (!existing) return post("/api/v2/variables", body);
          if (existing.value === MASK && !value.value) {
            return patch(`/api/v2/variables/${enc(existing.key)}?update_mask=description`, body);
          }
          return patch(`/api/v2/variables/${enc(existing.key)}`, body);
        },
      },
    ]);
    if (saved) {
      toast(`Saved ${saved.key}`);
      await load();
    }
  }

  async function remove(key) {
    if (!(await confirmDialog("Delete variable", `Delete ${key}?`, "Delete", true))) return;
    await del(`/api/v2/variables/${enc(key)}`).then(() => toast(`Deleted ${key}`), (err) => toast(err.message, "error"));
    await load();
  }

  async function exportAll() {
    const rows = await all("/api/v2/variables", "variables");
    const shown = rows.filter((v) => v.value !== MASK);
    download("variables.json", Object.fromEntries(shown.map((v) => [v.key, v.value])));
    if (shown.length < rows.length) toast(`${rows.length - shown.length} sensitive variable(s) left out: the API never returns their values`);
  }

  await load();
  return null;
}

// Airflow's variables file: {"key": value, ...}; {"key": {"value": ..., "description": ...}} too.
function parseVariables(data) {
  if (!data || typeof data !== "object" || Array.isArray(data)) throw new Error('expected an object of {"key": value}');
  return Object.entries(data).map(([key, v]) => {
    const described = v && typeof v === "object" && !Array.isArray(v) && "value" in v && Object.keys(v).every((k) => k === "value" || k === "description");
    const value = described ? v.value : v;
    return { key, value: typeof value === "string" ? value : JSON.stringify(value), description: described ? v.description ?? null : null };
  });
}

// -- connections ------------------------------------------------------------------------------
const CONN_FIELDS = ["conn_type", "description", "host", "schema", "login", "password", "port", "extra"];

export async function connections({ root, query, setQuery }) {
  let offset = Number(query.get("offset") || 0);
  const table = h("div.table-wrap");
  const send = async (entities) => {
    bulkReport(await patch("/api/v2/connections", { actions: [{ action: "create", entities, action_on_existence: "overwrite" }] }), "connections");
    await load();
  };
  fill(root, h("section.page",
    h("div.page-head", h("h1", "Connections"), h("span.spacer"),
      h("button.btn.primary", { type: "button", onclick: () => edit(null) }, "+ Add connection"),
      importButton(parseConnections, send, "connections"),
      h("button.btn", { type: "button", onclick: exportAll }, "Export JSON")),
    table));

  async function load() {
    setQuery({ offset: offset || null });
    const body = await get(`/api/v2/connections${qs({ limit: LIMIT, offset })}`);
    fill(table, body.connections.length ? h("table.list",
      h("thead", h("tr", ["Connection id", "Type", "Host", "Port", "Login", "Password", "Description", ""].map((c) => h("th", c)))),
      h("tbody", body.connections.map((c) => h("tr", { dataset: { connectionId: c.connection_id } },
        h("td", h("code", c.connection_id)), h("td", c.conn_type), h("td", c.host || ""), h("td", c.port ?? ""),
        h("td", c.login || ""), h("td", c.password ? h("span.masked", MASK) : ""), h("td.muted", c.description || ""),
        h("td.actions",
          h("button.btn.small", { type: "button", onclick: () => edit(c) }, "Edit"),
          h("button.btn.small.danger", { type: "button", onclick: () => remove(c.connection_id) }, "Delete")))))) : h("div.empty", "No connections."),
    pager(offset, LIMIT, body.total_entries, (o) => { offset = o; load(); }));
  }

  async function edit(existing) {
    const inputs = {
      connection_id: h("input", { name: "connection_id", value: existing ? existing.connection_id : "", disabled: !!existing }),
      conn_type: h("input", { name: "conn_type", value: existing ? existing.conn_type : "", placeholder: "postgres, http, aws, sftp…" }),
      description: h("input", { name: "description", value: existing?.description || "" }),
      host: h("input", { name: "host", value: existing?.host || "" }),
      schema: h("input", { name: "schema", value: existing?.schema || "" }),
      login: h("input", { name: "login", value: existing?.login || "" }),
      password: h("input", { name: "password", type: "password", value: "", autocomplete: "new-password",
        placeholder: existing?.password ? "unchanged (type to replace)" : "" }),
      port: h("input", { name: "port", type: "number", value: existing?.port ?? "" }),
      extra: h("textarea.json", { name: "extra", rows: 4, value: existing?.extra || "", placeholder: "{}" }),
    };
    const form = h("div.form.two-col", Object.entries(inputs).map(([k, el]) => h("label", k.replace(/_/g, " "), el)));
    const saved = await dialog(existing ? `Edit ${existing.connection_id}` : "Add connection", form, [
      { label: "Cancel", value: null },
      {
        label: "Save", primary: true,
        action: () => {
          const id = inputs.connection_id.value.trim();
          if (!id) throw new Error("The connection id is required");
          if (!inputs.conn_type.value.trim()) throw new Error("The connection type is required");
          if (inputs.extra.value.trim()) {
            const problem = jsonError(inputs.extra.value);
            if (problem) throw new Error(`extra is not valid JSON: ${problem}`);
          }
          const body = { connection_id: id };
          for (const f of CONN_FIELDS) {
            const raw = inputs[f].value.trim();
            body[f] = f === "port" ? (raw ? Number(raw) : null) : raw || null;
          }
          if (!existing) return post("/api/v2/connections", body);
          // A password left empty keeps the stored one: it is left out of the update.
          const mask = CONN_FIELDS.filter((f) => f !== "password" || body.password);
          if (!body.password) delete body.password;
          return patch(`/api/v2/connections/${enc(id)}${qs({ update_mask: mask })}`, body);
        },
      },
    ]);
    if (saved) {
      toast(`Saved ${saved.connection_id}`);
      await load();
    }
  }

  async function remove(id) {
    if (!(await confirmDialog("Delete connection", `Delete ${id}?`, "Delete", true))) return;
    await del(`/api/v2/connections/${enc(id)}`).then(() => toast(`Deleted ${id}`), (err) => toast(err.message, "error"));
    await load();
  }

  async function exportAll() {
    const rows = await all("/api/v2/connections", "connections");
    download("connections.json", Object.fromEntries(rows.map((c) => [c.connection_id,
      Object.fromEntries(CONN_FIELDS.filter((f) => c[f] !== null && c[f] !== undefined && c[f] !== "" && c[f] !== MASK).map((f) => [f, c[f]]))])));
    if (rows.some((c) => c.password)) toast("Passwords are left out of the export: the API never returns them");
  }

  await load();
  return null;
}

// Airflow's connections file: {"conn_id": {"conn_type": ..., "host": ..., ...}} (or a list with connection_id).
function parseConnections(data) {
  const items = Array.isArray(data) ? data.map((c) => [c.connection_id || c.conn_id, c]) : Object.entries(data || {});
  return items.map(([id, c]) => {
    if (!id || !c || typeof c !== "object") throw new Error("each connection needs an id and an object of fields");
    const entity = { connection_id: id };
    for (const f of CONN_FIELDS) {
      const v = c[f];
      if (v === undefined || v === null) continue;
      entity[f] = f === "extra" && typeof v === "object" ? JSON.stringify(v) : f === "port" ? Number(v) : String(v);
    }
    if (!entity.conn_type) throw new Error(`connection ${id} has no conn_type`);
    return entity;
  });
}
