import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import { RepositoryLocation } from './RepositoryLocation';

describe('RepositoryLocation', () => {
  it('links the remote URL, underlined so that colour is not the only sign of a link in the sentence', async () => {
    await renderInTestApp(
      <RepositoryLocation
        repository={{
          provider: 'local',
          location: 'https://git.acme.example/acme/gitops',
        }}
      />,
    );
    const link = screen.getByRole('link', {
      name: 'https://git.acme.example/acme/gitops',
    });
    expect(link.className).toMatch(/MuiLink-underlineAlways/);
  });

  it('names no server path when there is no remote URL', async () => {
    await renderInTestApp(
      <RepositoryLocation repository={{ provider: 'local' }} />,
    );
    expect(
      screen.getByText("(on the portal's server, no remote URL)"),
    ).toBeInTheDocument();
  });
});
