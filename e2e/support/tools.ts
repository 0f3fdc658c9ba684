/** A tool whose call the test model's rule spells out: after `"_name":"` comes `a`, then `b`, `c`; the city is "abc" too. */
export const ABC = {
  type: 'function' as const,
  function: {
    name: 'abc',
    description: 'Weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 3 } }, required: ['city'] },
  },
};
