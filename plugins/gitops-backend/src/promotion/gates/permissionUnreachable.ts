/**
 * What a caller is told when the permission backend cannot be asked (the
 * write or read is denied: fail closed). The backend's own error (addresses,
 * internals) is not repeated to the caller.
 */
export const PERMISSION_UNREACHABLE =
  'denied: the permission backend could not be asked; nothing was done, try again later';
