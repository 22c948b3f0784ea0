/** `--elements`: how one streamed array element is shown. */

const MONEY = new Map<string, Intl.NumberFormat>();

function money(amount: number, currency: string): string {
  let format = MONEY.get(currency);
  if (format === undefined) {
    try {
      format = new Intl.NumberFormat('en', { style: 'currency', currency });
    } catch {
      return `${amount.toFixed(2)} ${currency}`;
    }
    MONEY.set(currency, format);
  }
  return format.format(amount);
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

/** What an element says in one line: a product's name and price, else a name or title, else its JSON. */
export function describeElement(value: unknown, width = 100): string {
  const name = field(value, 'name') ?? field(value, 'title');
  const price = field(value, 'price');
  const currency = field(value, 'currency');
  if (typeof name === 'string') {
    return typeof price === 'number' && typeof currency === 'string'
      ? `${name}  ${money(price, currency)}`
      : name;
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/** `#3  Walnut desk lamp  €49.00`: the index is the element's position in the model's answer. */
export function elementLine(
  index: number,
  value: unknown,
  style: (text: string) => string = (text) => text,
): string {
  return `${style(`#${index}`)}  ${describeElement(value)}`;
}
