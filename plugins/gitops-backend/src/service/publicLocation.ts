/**
 * What the API may say about where a repository lives: its remote URL
 * (http or https, without credentials), never a path on the server.
 */
export function publicLocation(
  location: string | undefined,
): string | undefined {
  if (!location) return undefined;
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return undefined; // a plain path
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/$/, '');
}

/**
 * A message with the server's path of a local repository (as a path or a
 * file:// URL) replaced by the repository's id.
 */
export function withoutLocalPath(
  message: string,
  directory: string | undefined,
  id: string,
): string {
  if (!directory) return message;
  const name = `repository "${id}"`;
  return message
    .split(`file://${directory}`)
    .join(name)
    .split(directory)
    .join(name);
}
