/*
 * A local AWS STS double (query protocol, XML answers) for the AWS SDK's
 * `AWS_ENDPOINT_URL_STS`: GetCallerIdentity and AssumeRole, with a role it
 * refuses (403 AccessDenied). Records every call (action, form parameters,
 * the access key of the caller's signature).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const STS_ACCOUNT = '123456789012';

/** The temporary credentials AssumeRole hands out. */
export const ASSUMED = {
  accessKeyId: 'ASIAASSUMEDEXAMPLE01',
  secretAccessKey: 'assumed-role-secret-never-in-a-message',
  sessionToken: 'assumed-role-session-token-never-in-a-message',
};

export interface StsCall {
  action: string | null;
  params: Record<string, string>;
  /** Access key id in the request's SigV4 Authorization header. */
  callerKeyId?: string;
}

export interface StsDouble {
  url: string;
  calls: StsCall[];
  close(): Promise<void>;
}

const xml = (action: string, result: string) =>
  `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></${action}Response>`;

export async function startStsDouble(
  options: { deniedRoles?: string[] } = {},
): Promise<StsDouble> {
  const calls: StsCall[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', chunk => (body += chunk));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const call: StsCall = {
        action: form.get('Action'),
        params: Object.fromEntries(form.entries()),
        callerKeyId: /Credential=([^/]+)\//.exec(
          req.headers.authorization ?? '',
        )?.[1],
      };
      calls.push(call);
      res.setHeader('content-type', 'text/xml');
      if (call.action === 'GetCallerIdentity') {
        res.end(
          xml(
            'GetCallerIdentity',
            `<Arn>arn:aws:iam::${STS_ACCOUNT}:user/portal</Arn><UserId>AIDAEXAMPLE</UserId><Account>${STS_ACCOUNT}</Account>`,
          ),
        );
      } else if (
        call.action === 'AssumeRole' &&
        options.deniedRoles?.includes(call.params.RoleArn)
      ) {
        res.statusCode = 403;
        res.end(
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::${STS_ACCOUNT}:user/portal is not authorized to perform: sts:AssumeRole on resource: ${call.params.RoleArn}</Message></Error><RequestId>req-2</RequestId></ErrorResponse>`,
        );
      } else if (call.action === 'AssumeRole') {
        const expires = new Date(Date.now() + 3600_000).toISOString();
        res.end(
          xml(
            'AssumeRole',
            `<Credentials><AccessKeyId>${ASSUMED.accessKeyId}</AccessKeyId><SecretAccessKey>${ASSUMED.secretAccessKey}</SecretAccessKey><SessionToken>${ASSUMED.sessionToken}</SessionToken><Expiration>${expires}</Expiration></Credentials><AssumedRoleUser><Arn>${call.params.RoleArn}/backstage</Arn><AssumedRoleId>AROAEXAMPLE:backstage</AssumedRoleId></AssumedRoleUser>`,
          ),
        );
      } else {
        res.statusCode = 400;
        res.end(
          '<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>',
        );
      }
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The process environment of the AWS SDK for a test: set `values`, clear the rest of the chain's inputs; returns the restore function. */
export function awsEnvironment(values: Record<string, string>): () => void {
  const keys = [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_REGION',
    'AWS_PROFILE',
    'AWS_ENDPOINT_URL',
    'AWS_ENDPOINT_URL_STS',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_ROLE_ARN',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_EC2_METADATA_DISABLED',
    'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_CONFIG_FILE',
  ];
  const saved = Object.fromEntries(keys.map(k => [k, process.env[k]]));
  for (const k of keys) delete process.env[k];
  Object.assign(process.env, {
    // Never the machine's own AWS configuration nor its instance metadata.
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/gitops-test/credentials',
    AWS_CONFIG_FILE: '/nonexistent/gitops-test/config',
    ...values,
  });
  return () => {
    for (const k of keys) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  };
}
