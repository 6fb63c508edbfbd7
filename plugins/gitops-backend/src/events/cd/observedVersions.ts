/*
 * The versions an event shows running: from the images Argo CD reports (the
 * service's own image when one is named after it, else all), else the
 * version Git asked for at the revision the tool applied.
 */
import { versionOfImage } from '../../cluster/computeStatus';

function imageName(image: string): string {
  const noDigest = image.split('@')[0];
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.indexOf(':', lastSlash + 1);
  return (colon >= 0 ? noDigest.slice(0, colon) : noDigest).split('/').pop()!;
}

export function versionsOfImages(images: string[], service: string): string[] {
  const own = images.filter(i => imageName(i) === service);
  const chosen = own.length ? own : images;
  return [
    ...new Set(chosen.map(versionOfImage).filter((v): v is string => !!v)),
  ].sort();
}

export async function observedVersions(
  images: string[],
  service: string,
  revision: string | undefined,
  versionAt: (revision: string) => Promise<string | undefined>,
): Promise<string[]> {
  const fromImages = versionsOfImages(images, service);
  if (fromImages.length) return fromImages;
  const version = revision ? await versionAt(revision) : undefined;
  return version ? [version] : [];
}
