/**
 * Request body validation against the method's model (JSON Schema draft-04, as API Gateway models are).
 * All models of the deployment are registered under the URLs API Gateway uses to reference them
 * (https://apigateway.amazonaws.com/restapis/{apiId}/models/{name}), so models that reference each other,
 * or themselves, in circles validate instead of failing to compile. `pattern` keywords run on RE2 (linear
 * time): a pattern RE2 cannot run (lookaround, backreferences) is refused when the model is created.
 */
import AjvModule from "ajv-draft-04";
import { userRegexEngine } from "../../../core/user-regex.js";
import type { DeploymentSnapshot } from "../snapshot.js";

type Validator = (data: unknown) => boolean;
interface AjvLike {
  addSchema(schema: object, key: string): unknown;
  getSchema(key: string): Validator | undefined;
}
// ajv-draft-04 is CommonJS: its class is the default export under ESM interop.
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as unknown as new (o: object) => AjvLike;

/** JSON Schema's `pattern` runs on the shared linear-time engine for user patterns (core/user-regex.ts). */
const AJV_OPTIONS = { strict: false, allErrors: false, code: { regExp: userRegexEngine } };

export const modelUrl = (apiId: string, name: string) => `https://apigateway.amazonaws.com/restapis/${apiId}/models/${name}`;
const cache = new Map<string, AjvLike>();

function register(ajv: AjvLike, apiId: string, name: string, text: string): void {
  const schema = JSON.parse(text) as Record<string, unknown>;
  delete schema.id; // the registration URL is its identity; a stray draft-04 `id` must not clash
  ajv.addSchema(schema, modelUrl(apiId, name));
}

/**
 * CreateModel/UpdateModel: compiles `schema` as model `name` beside the API's other models, so references
 * to them (and to itself) resolve; throws with Ajv's reason otherwise (unknown model, bad keyword).
 */
export function checkModelSchema(apiId: string, models: Record<string, { schema?: string }>, name: string, schema: string): void {
  const ajv = new Ajv(AJV_OPTIONS);
  for (const [n, m] of Object.entries(models)) {
    if (n === name || !m.schema) continue;
    try {
      register(ajv, apiId, n, m.schema);
    } catch {
      /* an older model that does not parse cannot be referenced */
    }
  }
  register(ajv, apiId, name, schema);
  if (!ajv.getSchema(modelUrl(apiId, name))) throw new Error(`can't compile model ${name}`);
}

function ajvFor(snapshot: DeploymentSnapshot): AjvLike {
  const key = `${snapshot.api.id}/${snapshot.deploymentId}`;
  let ajv = snapshot.deploymentId === "test-invoke" ? undefined : cache.get(key);
  if (!ajv) {
    ajv = new Ajv({ ...AJV_OPTIONS, validateSchema: false });
    for (const m of snapshot.models) {
      if (!m.schema || !m.name) continue;
      try {
        register(ajv, snapshot.api.id!, m.name, m.schema);
      } catch {
        /* CreateModel validated the JSON; a broken one simply has no validator */
      }
    }
    if (cache.size > 200) cache.clear();
    if (snapshot.deploymentId !== "test-invoke") cache.set(key, ajv);
  }
  return ajv;
}

/** Whether `body` satisfies the named model; a model that cannot be compiled validates nothing (true). */
export function bodyMatchesModel(snapshot: DeploymentSnapshot, modelName: string, body: unknown): boolean {
  let validate: Validator | undefined;
  try {
    validate = ajvFor(snapshot).getSchema(modelUrl(snapshot.api.id!, modelName));
  } catch {
    return true;
  }
  return validate ? validate(body) : true;
}
