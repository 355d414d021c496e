/** Real-looking leads for tests and the benchmark. */
export function makeLead(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    business: 'Northwind Robotics',
    first: 'Maria',
    last: 'González',
    email: 'maria.gonzalez@northwind-robotics.com',
    role: 'VP of Engineering',
    website: 'https://www.northwind-robotics.com',
    industry: 'Manufacturing',
    sub_industry: 'Industrial Automation',
    region: 'North America',
    linkedin: 'https://www.linkedin.com/in/maria-gonzalez-4b1a2c',
    company_linkedin: 'https://www.linkedin.com/company/northwind-robotics',
    source_url: 'https://www.northwind-robotics.com/about/team',
    source_type: 'company_site',
    description: 'Builds pick-and-place robots for mid-size warehouses.',
    phone_numbers: ['+1 415 555 0134'],
    founded_year: 2014,
    employee_count: '51-200',
    country: 'United States',
    state: 'California',
    city: 'San Francisco',
    ...overrides,
  }
}

/** A lead whose email and website live on `domain`, its website served by the loopback HTTP server on `port`. */
export function makeNetworkLead(
  domain: string,
  port: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return makeLead({
    email: `maria.gonzalez@${domain}`,
    website: `http://www.${domain}:${port}/`,
    source_url: `http://www.${domain}:${port}/team`,
    ...overrides,
  })
}
