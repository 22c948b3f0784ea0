// The incremental parser's states, in a module of their own that imports nothing: a bundler
// can then put the plain numbers themselves into the parser's hot loop, where a module that
// imports others keeps them as variables.

// Parser states. Plain numbers: the hot loop switches on them.
export const S_VALUE = 0; // expecting a value
export const S_ARRAY_START = 1; // after '[': a value or ']'
export const S_OBJECT_START = 2; // after '{': a key or '}'
export const S_KEY = 3; // after ',' in an object: a key
export const S_COLON = 4; // after a key
export const S_AFTER_VALUE = 5; // inside a container after a value: ',' or the closer
export const S_STRING = 6; // inside a string (key or value)
export const S_ESCAPE = 7; // after a backslash
export const S_UNICODE = 8; // inside \uXXXX
export const S_NUMBER = 9; // inside a number; `numberState` says where
export const S_LITERAL = 10; // inside true / false / null
export const S_DONE = 11; // top-level value complete
export const S_PREAMBLE = 12; // lenient: prose before the value
export const S_PREAMBLE_OPEN = 13; // lenient: saw '{' or '[' in prose; is it JSON?
export const S_FENCE_INFO = 14; // lenient: rest of a ``` line (info string)
export const S_FENCE_BODY = 15; // lenient: inside a fence, before the value
export const S_FAILED = 16;

// Number sub-states. The grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
export const N_MINUS = 0;
export const N_ZERO = 1;
export const N_INT = 2;
export const N_DOT = 3;
export const N_FRACTION = 4;
export const N_EXP = 5;
export const N_EXP_SIGN = 6;
export const N_EXP_DIGITS = 7;
