// Kept apart from pricing.ts so that the API can name the price data without
// loading it: only the normalizer computes prices.

/** Version of the bundled price data, shown in each cost's provenance. */
export const PRICE_DATA = '@pydantic/genai-prices 0.1.8'
