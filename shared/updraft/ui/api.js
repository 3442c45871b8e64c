// Talking to the REST API: the token from POST /auth/token kept in this browser, sent as a
// Bearer header; a 401 sends the user back to the login page.

const TOKEN_KEY = "updraft.token";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function token() {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) localStorage.setItem(TOKEN_KEY, value);
  else localStorage.removeItem(TOKEN_KEY);
}

// Who is logged in: the token's claims (`sub`, `role`, `exp`), or null.
export function currentUser() {
  const value = token();
  if (!value) return null;
  try {
    const claims = JSON.parse(atob(value.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    if (claims.exp && claims.exp * 1000 < Date.now()) return null;
    return { name: claims.sub, role: claims.role };
  } catch (e) {
    return null;
  }
}

const RANK = { viewer: 0, user: 1, op: 2, admin: 3 };

// Whether the user's role may do what needs `role` (the server checks again).
export function may(role) {
  const user = currentUser();
  return !!user && (RANK[user.role] ?? -1) >= RANK[role];
}

// The `detail` of an error body as one readable line.
export function describe(detail) {
  if (detail == null) return "";
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail.map((e) => (e.loc ? `${e.loc.filter((p) => p !== "body").join(".")}: ${e.msg}` : describe(e))).join("; ");
  }
  if (typeof detail === "object" && detail.reason) return detail.reason;
  return JSON.stringify(detail);
}

export async function request(method, path, body) {
  const headers = { Accept: "application/json" };
  const value = token();
  if (value) headers.Authorization = `Bearer ${value}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401 && !path.startsWith("/auth/")) {
    setToken(null);
    window.dispatchEvent(new CustomEvent("updraft:logged-out"));
    throw new ApiError(401, "Your session has ended: log in again");
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      data = text;
    }
  }
  if (!response.ok) {
    const detail = data && typeof data === "object" ? describe(data.detail) : "";
    throw new ApiError(response.status, detail || `${response.status} ${response.statusText}`);
  }
  return data;
}

export const get = (path) => request("GET", path);
export const post = (path, body) => request("POST", path, body ?? {});
export const patch = (path, body) => request("PATCH", path, body ?? {});
export const del = (path) => request("DELETE", path);

// A query string from an object; arrays repeat their key, empty values are left out.
export function qs(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    for (const one of Array.isArray(value) ? value : [value]) search.append(key, String(one));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export const enc = encodeURIComponent;

// The API path of a run and of a task instance.
export const runPath = (dagId, runId) => `/api/v2/dags/${enc(dagId)}/dagRuns/${enc(runId)}`;
export const tiPath = (dagId, runId, taskId) => `${runPath(dagId, runId)}/taskInstances/${enc(taskId)}`;
