import { render, screen, within } from '@testing-library/react';
import {
  makeChangeSummary,
  makeRollbackSummary,
} from '../../__testUtils__/fixtures';
import { ChangeSummary, initialsOf } from './ChangeSummary';

describe('ChangeSummary', () => {
  it('shows the first issue keys and pull requests, "+N" for the rest, the commits and the authors\' initials', () => {
    render(<ChangeSummary changes={makeChangeSummary()} kind="promotion" />);
    const line = screen.getByTestId('gitops-change-summary');
    for (const key of ['SAAS-1543', 'SAAS-1544', 'SAAS-1550'])
      expect(within(line).getByText(key)).toBeInTheDocument();
    expect(
      within(line).getByText(
        '#151 fix(theme): remember the dark mode preference',
      ),
    ).toBeInTheDocument();
    expect(within(line).getByText('#150 Dark mode')).toBeInTheDocument();
    // 4 - 3 issue keys and 3 - 2 pull requests not named.
    expect(
      within(line).getByTitle(
        '4 issue keys and 3 pull requests in all: expand the row for the full change set',
      ),
    ).toHaveTextContent('+2');
    expect(within(line).getByText('7 commits')).toBeInTheDocument();
    expect(within(line).getByLabelText('Ada Lovelace')).toHaveTextContent('AL');
    expect(within(line).getByLabelText('linus')).toHaveTextContent('L');
    expect(within(line).getByTitle('5 authors in all')).toHaveTextContent('+2');
    expect(line).not.toHaveTextContent('removed');
  });

  it('shows what a rollback removed', () => {
    render(<ChangeSummary changes={makeRollbackSummary()} kind="rollback" />);
    const line = screen.getByTestId('gitops-change-summary');
    expect(line).toHaveTextContent(/^removed:SAAS-1543/);
    expect(line).toHaveTextContent('7 commits');
  });

  it('shows nothing before correlation, or for a change of no commits', () => {
    const { container } = render(
      <>
        <ChangeSummary kind="promotion" />
        <ChangeSummary
          changes={{ ...makeChangeSummary(), status: 'pending' }}
          kind="promotion"
        />
        <ChangeSummary
          changes={{
            ...makeChangeSummary(),
            added: { ...makeChangeSummary().removed },
          }}
          kind="direct"
        />
      </>,
    );
    expect(container).toBeEmptyDOMElement();
  });

  it('makes initials of a name', () => {
    expect(initialsOf('Grace Brewster Hopper')).toBe('GH');
    expect(initialsOf('dependabot[bot]')).toBe('D');
    expect(initialsOf('')).toBe('?');
  });
});
