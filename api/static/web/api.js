// The GraphQL client: queries over GET as Apollo automatic persisted queries (APQ), so that
// responses are cacheable. The query's SHA-256 is sent first; on PERSISTED_QUERY_NOT_FOUND
// the query text follows once. Without crypto.subtle (a page served over plain HTTP from
// another host than localhost) the query text is sent every time.

const ENDPOINT = "/graphql";
const hashes = new Map();
const missingFields = new Set();

/** An error the API answered with, or a failure to reach it; `code` is `extensions.code`. */
export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "ApiError";
    this.code = code;
  }
}

async function sha256(text) {
  if (!hashes.has(text)) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
    hashes.set(text, hex);
  }
  return hashes.get(text);
}

async function get(params) {
  const url = `${ENDPOINT}?${new URLSearchParams(params)}`;
  let response;
  try {
    // application/json: GraphQL errors come back with 200, as data the page shows.
    response = await fetch(url, { headers: { Accept: "application/json" } });
  } catch (error) {
    throw new ApiError("NETWORK_ERROR", `The API could not be reached (${error.message}).`);
  }
  try {
    return await response.json();
  } catch {
    throw new ApiError(`HTTP_${response.status}`, `The API answered ${response.status} without JSON.`);
  }
}

function firstError(body) {
  const error = body.errors?.[0];
  if (error) return new ApiError(error.extensions?.code ?? "ERROR", error.message);
  if (!body.data) return new ApiError("ERROR", "The API answered without data.");
  return null;
}

/** Runs `text` with `variables` and returns its data, or throws an ApiError. */
export async function query(text, variables = {}) {
  const vars = JSON.stringify(variables);
  let body;
  if (globalThis.isSecureContext && globalThis.crypto?.subtle) {
    const extensions = JSON.stringify({ persistedQuery: { version: 1, sha256Hash: await sha256(text) } });
    body = await get({ extensions, variables: vars });
    if (body.errors?.[0]?.extensions?.code === "PERSISTED_QUERY_NOT_FOUND") {
      body = await get({ query: text, extensions, variables: vars });
    }
  } else {
    body = await get({ query: text, variables: vars });
  }
  const error = firstError(body);
  if (error) throw error;
  return body.data;
}

/**
 * Runs `full`, a query selecting `field` that older servers do not have; when the server
 * refuses it as unknown, runs `fallback` instead, and keeps doing so for this page's life.
 * Resolves to `{ data, degraded }`.
 */
export async function queryOptional(field, full, fallback, variables) {
  if (!missingFields.has(field)) {
    try {
      return { data: await query(full, variables), degraded: false };
    } catch (error) {
      const unknown =
        error.code === "GRAPHQL_VALIDATION_FAILED" && error.message.includes(`'${field}'`);
      if (!unknown) throw error;
      missingFields.add(field);
    }
  }
  return { data: await query(fallback, variables), degraded: true };
}
