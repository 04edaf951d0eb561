// jupiter's version, shown by --version and written into exports.
export const VERSION = '0.1.0';
