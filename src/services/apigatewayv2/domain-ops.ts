/**
 * API Gateway v2 custom domain names and API mappings (stored and answered; not yet served on the request path),
 * and the stage lookup they share with the provider. ApiGatewayV2Provider extends this.
 */
import type * as A from "../../aws/api/apigatewayv2.js";
import type { RequestContext } from "../../edge/context.js";
import { DefinitionOps } from "./definition-ops.js";
import { badRequest, conflict, defined, notFound, page } from "./shared.js";
import type { ApiMappingRecord, DomainNameRecord, StageRecord } from "./store.js";

type Empty = Record<string, never>;

export abstract class DomainOps extends DefinitionOps {
  protected stage(apiId: string, name: string): StageRecord {
    const s = this.store.getStage(apiId, name);
    if (!s) throw notFound("Stage", name);
    return s;
  }

  // ---- Custom domain names and API mappings ----------------------------------------------------------

  CreateDomainName(ctx: RequestContext, input: A.CreateDomainNameInput): A.CreateDomainNameOutput {
    if (!/^[a-z0-9*]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i.test(input.DomainName ?? "")) throw badRequest(`Invalid domain name ${input.DomainName}`);
    if (this.store.getDomain(input.DomainName)) throw conflict(`The domain name resource already exists: ${input.DomainName}`);
    const configs = (input.DomainNameConfigurations?.length ? input.DomainNameConfigurations : [{}]).map((c) => defined({
      ApiGatewayDomainName: `d-${this.env.ids.alnum(10)}.execute-api.${ctx.region}.amazonaws.com`, CertificateArn: c.CertificateArn, CertificateName: c.CertificateName,
      DomainNameStatus: "AVAILABLE", EndpointType: c.EndpointType ?? "REGIONAL", HostedZoneId: "Z1UJRXOUMOOFQ8", SecurityPolicy: c.SecurityPolicy ?? "TLS_1_2",
      OwnershipVerificationCertificateArn: c.OwnershipVerificationCertificateArn,
    }));
    const d: DomainNameRecord = defined({ ApiMappingSelectionExpression: "$request.basepath", DomainName: input.DomainName, DomainNameConfigurations: configs, MutualTlsAuthentication: input.MutualTlsAuthentication, Tags: input.Tags ?? {} });
    this.store.putDomain(ctx.accountId, ctx.region, d);
    return d;
  }

  protected domain(ctx: RequestContext, name: string): DomainNameRecord {
    const d = this.store.getDomain(name);
    if (!d || d.account !== ctx.accountId || d.region !== ctx.region) throw notFound("DomainName", name);
    return d.domain;
  }

  GetDomainName(ctx: RequestContext, input: A.GetDomainNameInput): A.GetDomainNameOutput {
    return this.domain(ctx, input.DomainName);
  }

  GetDomainNames(ctx: RequestContext, input: A.GetDomainNamesInput): A.GetDomainNamesOutput {
    return page(this.store.listDomains(ctx.accountId, ctx.region), input.MaxResults, input.NextToken, (d) => d.DomainName) as A.GetDomainNamesOutput;
  }

  UpdateDomainName(ctx: RequestContext, input: A.UpdateDomainNameInput): A.UpdateDomainNameOutput {
    const d = this.domain(ctx, input.DomainName);
    if (input.DomainNameConfigurations) d.DomainNameConfigurations = input.DomainNameConfigurations.map((c, i) => ({ ...d.DomainNameConfigurations?.[i], ...defined({ ...c }) }));
    if (input.MutualTlsAuthentication) d.MutualTlsAuthentication = input.MutualTlsAuthentication;
    this.store.putDomain(ctx.accountId, ctx.region, d);
    return d;
  }

  DeleteDomainName(ctx: RequestContext, input: A.DeleteDomainNameInput): Empty {
    this.domain(ctx, input.DomainName);
    this.store.deleteDomain(input.DomainName);
    return {};
  }

  CreateApiMapping(ctx: RequestContext, input: A.CreateApiMappingInput): A.CreateApiMappingOutput {
    this.domain(ctx, input.DomainName);
    this.api(ctx, input.ApiId);
    this.stage(input.ApiId, input.Stage);
    const key = input.ApiMappingKey ?? "";
    if (key && !/^[A-Za-z0-9._~\-/]+$/.test(key)) throw badRequest(`Invalid API mapping key ${key}`);
    if (this.store.listMappings(input.DomainName).some((m) => (m.ApiMappingKey ?? "") === key)) throw conflict(`An API mapping with key '${key}' already exists for domain name ${input.DomainName}`);
    const m: ApiMappingRecord = { ApiId: input.ApiId, ApiMappingId: this.env.ids.alnum(6), ApiMappingKey: key, Stage: input.Stage };
    this.store.putMapping(input.DomainName, m);
    return m;
  }

  private mapping(ctx: RequestContext, domainName: string, id: string): ApiMappingRecord {
    this.domain(ctx, domainName);
    const m = this.store.listMappings(domainName).find((x) => x.ApiMappingId === id);
    if (!m) throw notFound("ApiMapping", id);
    return m;
  }

  GetApiMapping(ctx: RequestContext, input: A.GetApiMappingInput): A.GetApiMappingOutput {
    return this.mapping(ctx, input.DomainName, input.ApiMappingId);
  }

  GetApiMappings(ctx: RequestContext, input: A.GetApiMappingsInput): A.GetApiMappingsOutput {
    this.domain(ctx, input.DomainName);
    return page(this.store.listMappings(input.DomainName), input.MaxResults, input.NextToken, (m) => m.ApiMappingId) as A.GetApiMappingsOutput;
  }

  UpdateApiMapping(ctx: RequestContext, input: A.UpdateApiMappingInput): A.UpdateApiMappingOutput {
    const before = this.mapping(ctx, input.DomainName, input.ApiMappingId);
    const m = { ...before, ...defined({ ApiId: input.ApiId, ApiMappingKey: input.ApiMappingKey, Stage: input.Stage }) } as ApiMappingRecord;
    this.api(ctx, m.ApiId);
    this.stage(m.ApiId, m.Stage);
    if (this.store.listMappings(input.DomainName).some((x) => x.ApiMappingId !== m.ApiMappingId && (x.ApiMappingKey ?? "") === (m.ApiMappingKey ?? ""))) throw conflict(`An API mapping with key '${m.ApiMappingKey}' already exists for domain name ${input.DomainName}`);
    this.store.putMapping(input.DomainName, m);
    return m;
  }

  DeleteApiMapping(ctx: RequestContext, input: A.DeleteApiMappingInput): Empty {
    this.mapping(ctx, input.DomainName, input.ApiMappingId);
    this.store.deleteMapping(input.DomainName, input.ApiMappingId);
    return {};
  }
}
